"""`make run` starts with a clean log: no kombu, WeasyPrint or favicon noise."""

import logging

import pytest
from celery import shared_task
from django.contrib.staticfiles import finders
from django.test import Client

from prototypes.reports.exports import PDF_STYLESHEETS


@shared_task
def nothing():
    return "done"


def test_an_eager_task_leaves_no_kombu_hostname_warning(caplog):
    with caplog.at_level(logging.WARNING):
        assert nothing.delay().get(disable_sync_subtasks=False) == "done"
    assert not [record for record in caplog.records if record.name.startswith("kombu")]


def test_the_pdf_stylesheets_hold_nothing_weasyprint_warns_about(caplog):
    weasyprint = pytest.importorskip("weasyprint")
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        for path in PDF_STYLESHEETS:
            weasyprint.CSS(filename=finders.find(path))
    assert [record.getMessage() for record in caplog.records if record.name == "weasyprint"] == []


def test_the_favicon_is_served_where_browsers_ask_for_it(db):
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"
