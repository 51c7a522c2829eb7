import uuid

from django.db import models

from prototypes.authoring.models import PrototypeVersion


class TreeNode(models.Model):
    """One label of a tree prototype's version: the navigation a tree test asks people to use.

    A tree is kept per prototype version, like screens: the draft's is edited, a published
    version's is frozen, and a study runs on a published version.
    """

    WORKSPACE_PATH = "version__prototype__workspace"

    version = models.ForeignKey(
        PrototypeVersion, on_delete=models.CASCADE, related_name="tree_nodes"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    # Stable across versions, so a node can be followed from the draft to frozen copies.
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    label = models.CharField(max_length=200)
    depth = models.PositiveSmallIntegerField(default=0)
    # Depth-first order of the whole tree: the order the designer wrote the labels in.
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "position", "id"]
        indexes = [models.Index(fields=["version", "position"])]

    def __str__(self):
        return self.label
