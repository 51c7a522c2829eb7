"""Files no row refers to are swept once they are old enough; every other file stays."""

import os
from datetime import timedelta

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone

from prototypes import storage_sweep
from tests import factories


def stored(name, age):
    """Store a file under ``name`` as if written ``age`` ago; returns the name given."""
    name = default_storage.save(name, ContentFile(b"x"))
    moment = (timezone.now() - age).timestamp()
    os.utime(default_storage.path(name), (moment, moment))
    return name


def test_only_old_files_that_no_row_names_are_deleted(db):
    screen = factories.ScreenFactory()
    screen.upload.save("original", ContentFile(b"upload"))
    for field in (screen.image, screen.thumbnail, screen.upload):
        old = (timezone.now() - timedelta(days=3)).timestamp()
        os.utime(default_storage.path(field.name), (old, old))
    orphans = [
        stored(f"{folder}/{'a' * 32}.bin", timedelta(days=2))
        for folder in ("uploads", "screens", "exports", "heatmaps")
    ]
    fresh = stored(f"screens/{'b' * 32}.webp", timedelta(hours=1))

    deleted = storage_sweep.sweep_unreferenced_files()

    assert sorted(deleted) == sorted(orphans)
    assert not any(default_storage.exists(name) for name in orphans)
    kept = [screen.image.name, screen.thumbnail.name, screen.upload.name, fresh]
    assert all(default_storage.exists(name) for name in kept)
    assert storage_sweep.sweep_unreferenced_files() == []


def test_a_missing_folder_is_nothing_to_sweep(db):
    assert storage_sweep.sweep_unreferenced_files() == []


def test_every_file_field_is_owned_by_a_swept_folder():
    """A file field missing from OWNERS would have its files taken for orphans (if it stored
    them in a swept folder) or never swept: either way OWNERS must name it."""
    owned = {(model, field) for _, model, fields in storage_sweep.OWNERS for field in fields}
    file_fields = {
        (model, field.name)
        for model in apps.get_app_config("prototypes").get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    }
    assert file_fields == owned
