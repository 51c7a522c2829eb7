"""Speed of importing a 10,000-row panel file: check, preview record, then the import itself.

Goal: the whole import (reading and checking every row, storing the preview, inserting the
contacts in one transaction) takes under 5 seconds. The baseline, measured in the same run on
the same file, is the least any import must do: `csv.reader` over the decoded text and a bare
`bulk_create` of the rows; the ratio shows what the checks cost.
"""

import csv
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from prototypes.recruitment import csv_import
from prototypes.recruitment.models import Contact
from tests import factories

ROWS = 10_000
GOAL_SECONDS = 5.0


def panel_file(rows=ROWS):
    lines = ["email,plan,city,customer since,age"]
    plans, cities = ["free", "pro", "team"], ["Lyon", "Paris", "Orléans", "Lille"]
    for number in range(rows):
        lines.append(
            f"person{number}@example.com,{plans[number % 3]},{cities[number % 4]},"
            f"20{10 + number % 15}-0{1 + number % 9}-1{number % 9},{18 + number % 60}"
        )
    return ("\n".join(lines) + "\n").encode()


def baseline(workspace, data):
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    header = next(reader)
    with transaction.atomic():
        Contact.objects.bulk_create(
            [
                Contact(
                    workspace=workspace,
                    email=cells[0],
                    attributes=dict(zip(header[1:], cells[1:], strict=True)),
                )
                for cells in reader
            ],
            batch_size=1000,
        )


@pytest.mark.bench
@pytest.mark.django_db
def test_importing_ten_thousand_contacts_takes_under_five_seconds(capsys):
    data = panel_file()
    user = factories.UserFactory()
    # Warm up both paths (first queries, imports) so that neither measure pays for it.
    baseline(factories.WorkspaceFactory(), panel_file(100))
    csv_import.run(
        csv_import.prepare(
            factories.WorkspaceFactory(), user, SimpleUploadedFile("warm.csv", panel_file(100))
        )
    )

    baseline_workspace = factories.WorkspaceFactory()
    started = time.perf_counter()
    baseline(baseline_workspace, data)
    baseline_seconds = time.perf_counter() - started

    workspace = factories.WorkspaceFactory()
    started = time.perf_counter()
    checked = csv_import.prepare(
        workspace, user, SimpleUploadedFile("panel.csv", data, content_type="text/csv")
    )
    check_seconds = time.perf_counter() - started
    already = csv_import.already_in_panel(checked)
    imported = csv_import.run(checked)
    total_seconds = time.perf_counter() - started

    with capsys.disabled():
        print(
            f"\nCSV import of {ROWS} rows ({len(data) / 1024:.0f} KB): "
            f"check and preview {check_seconds:.2f} s, whole import {total_seconds:.2f} s "
            f"(goal < {GOAL_SECONDS:.0f} s); baseline csv.reader + bulk_create "
            f"{baseline_seconds:.2f} s, ratio {total_seconds / baseline_seconds:.1f}x"
        )
    assert already == [] and checked.problems == []
    assert imported == ROWS
    assert Contact.objects.filter(workspace=workspace).count() == ROWS
    assert total_seconds < GOAL_SECONDS
