from django.conf import settings
from django.db import models

from prototypes.workspaces.models import Workspace


class AccessToken(models.Model):
    """A personal access token to the designer API: one person's key to one workspace.

    Only a SHA-256 of the token is kept (the token is shown once, when it is made): the token
    carries 256 bits from `secrets`, so a plain hash is enough, with no salt or slow hash,
    and a stolen database holds nothing that opens the API.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read: list studies, reports, sessions and events"
        WRITE = "write", "Read and write: also create studies"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="access_tokens")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(max_length=80)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the token, so its owner can tell which one is which.
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self):
        return self.scope == self.Scope.WRITE
