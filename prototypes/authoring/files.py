"""The files behind screens, which several screens may share.

Publishing copies Screen rows but not their files, and the pages of a PDF share the one
original, so a published version and the draft point at the same image until one of them
changes. A file is therefore deleted only once no screen refers to it, and only after the
transaction that dropped the last reference has committed: a rolled-back change must still
find its files.
"""

from contextlib import contextmanager

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q

from prototypes.authoring.models import Screen

FILE_FIELDS = ("upload", "image", "thumbnail")


def screen_files(screens):
    """Every file name the given screens refer to."""
    return {getattr(screen, field).name for screen in screens for field in FILE_FIELDS} - {""}


def referenced(names):
    """The subset of `names` that some screen still refers to."""
    query = Q(upload__in=names) | Q(image__in=names) | Q(thumbnail__in=names)
    rows = Screen.objects.filter(query).values_list(*FILE_FIELDS)
    return {name for row in rows for name in row} & set(names)


def delete_when_unreferenced(names):
    """Once the current transaction commits, delete those of `names` no screen refers to."""
    names = {name for name in names if name}
    if names:
        transaction.on_commit(lambda: delete_unreferenced(names))


def delete_unreferenced(names):
    for name in set(names) - referenced(names):
        default_storage.delete(name)


@contextmanager
def new_files():
    """Collect the names of files written in the block, and delete them if the block fails.

    Use it outside the transaction: `with new_files() as written, transaction.atomic():`, so
    the rows are rolled back first and the files they would have pointed at go with them.
    """
    written = []
    try:
        yield written
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
