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
