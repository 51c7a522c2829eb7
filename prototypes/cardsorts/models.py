from django.db import models

from prototypes.studies.models import Task


class Card(models.Model):
    """One card of a card-sort task."""

    WORKSPACE_PATH = "task__study__workspace"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="cards")
    text = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["task", "position", "id"]

    def __str__(self):
        return self.text


class Category(models.Model):
    """A group the designer gives a closed or hybrid card sort."""

    WORKSPACE_PATH = "task__study__workspace"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="categories")
    label = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["task", "position", "id"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.label


class GroupMerge(models.Model):
    """An open sort's group the designer reads as another: "Profile" is the "Account" group.

    Names alike in case, punctuation or words such as "my" are one group already
    (``analysis.standard_name``); a merge joins groups that differ in words.
    """

    WORKSPACE_PATH = "task__study__workspace"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="group_merges")
    name = models.CharField(max_length=120)
    into = models.CharField(max_length=120)

    class Meta:
        ordering = ["task", "name"]
        constraints = [
            models.UniqueConstraint(fields=["task", "name"], name="one_merge_per_group_name")
        ]

    def __str__(self):
        return f"{self.name} → {self.into}"
