import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prototypes.recruitment import csv_import
from prototypes.recruitment.models import Contact, ContactImport
from tests import factories


def upload(data, name="panel.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")


# Reading and checking a file.


def test_a_clean_file_gives_rows_with_attributes():
    checked = csv_import.check_file(
        b"Email,Plan,City,Note\nada@example.com,pro,Lyon,\ngrace@example.org,free,Paris,hi\n"
    )
    assert checked.email_column == "Email"
    assert checked.rows == [
        [2, "ada@example.com", {"Plan": "pro", "City": "Lyon"}],
        [3, "grace@example.org", {"Plan": "free", "City": "Paris", "Note": "hi"}],
    ]
    assert checked.problems == []
    assert checked.preview[0] == [2, "ada@example.com", "pro", "Lyon", ""]


def test_a_utf8_file_with_a_byte_order_mark_and_semicolons_is_read():
    data = "\ufeffemail;ville\nzoe@exémple.fr;Orléans\n".encode()
    checked = csv_import.check_file(data)
    assert checked.columns == ["email", "ville"]
    assert checked.rows == [[2, "zoe@exémple.fr", {"ville": "Orléans"}]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("email,city\nzoe@example.fr,Orléans\n".encode("cp1252"), "not UTF-8 text"),
        ("email\nzoe@example.fr\n".encode("utf-16"), "UTF-16"),
        (b"name,city\nAda,Lyon\n", "No column is called"),
        (b"", "empty"),
        (b"email,plan\n", "no rows"),
        (b"email,,plan\na@example.com,,x\n", "Column 2 has no name"),
        (b"email,Plan,plan\na@example.com,x,y\n", "Two columns are called"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(data, message):
    with pytest.raises(csv_import.ImportRefused, match=message):
        csv_import.check_file(data)


def test_the_encoding_error_names_the_line():
    data = "email\na@example.com\nb@example.com,Orléans\n".encode("latin-1")
    with pytest.raises(csv_import.ImportRefused, match="line 3"):
        csv_import.check_file(data)


def test_bad_rows_are_reported_line_by_line():
    checked = csv_import.check_file(
        b"email,plan\n"
        b"ada@example.com,pro\n"
        b"not-an-email,pro\n"
        b",free\n"
        b"ADA@example.com,free\n"
        b"grace@example.org,pro,extra\n"
        b"\n"
        b"linus@example.net,\n"
    )
    assert [row[1] for row in checked.rows] == ["ada@example.com", "linus@example.net"]
    assert checked.problems == [
        {"line": 3, "email": "not-an-email", "problem": "is not an email address"},
        {"line": 4, "email": "", "problem": "has no email address"},
        {"line": 5, "email": "ADA@example.com", "problem": "repeats the address of line 2"},
        {
            "line": 6,
            "email": "grace@example.org",
            "problem": "has 3 values but the file has 2 columns",
        },
    ]
    assert checked.row_count == 6


def test_a_file_too_large_is_refused(monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_BYTES", 100)
    with pytest.raises(csv_import.ImportRefused, match="larger than"):
        csv_import.check_file(b"email\n" + b"a@example.com\n" * 20)


# Importing: all or nothing.


def test_the_import_adds_new_contacts_and_leaves_existing_ones(workspace, designer):
    factories.ContactFactory(workspace=workspace, email="Ada@Example.com", attributes={"a": "1"})
    checked = csv_import.prepare(
        workspace, designer, upload(b"email,plan\nada@example.com,pro\ngrace@example.org,free\n")
    )
    assert [row[1] for row in csv_import.already_in_panel(checked)] == ["ada@example.com"]
    assert csv_import.run(checked) == 1
    assert Contact.objects.get(email="Ada@Example.com").attributes == {"a": "1"}
    assert Contact.objects.get(email="grace@example.org").attributes == {"plan": "free"}
    checked.refresh_from_db()
    assert checked.imported_count == 1 and checked.rows == []
    with pytest.raises(csv_import.ImportFailed, match="already been imported"):
        csv_import.run(checked)


def test_a_failed_import_imports_nothing(workspace, designer, monkeypatch):
    checked = csv_import.prepare(
        workspace, designer, upload(b"email\na@example.com\nb@example.com\nc@example.com\n")
    )
    # Someone else adds one of the addresses between the check and the import, in a way the
    # import cannot see before writing (a race): the whole import is rolled back.
    monkeypatch.setattr(csv_import, "panel_emails", lambda workspace_id: set())
    factories.ContactFactory(workspace=workspace, email="B@example.com")
    with pytest.raises(csv_import.ImportFailed, match="nothing was imported"):
        csv_import.run(checked)
    assert sorted(Contact.objects.values_list("email", flat=True)) == ["B@example.com"]
    checked.refresh_from_db()
    assert checked.imported_at is None


# Pages.


def test_upload_preview_and_import_through_the_pages(designer_client, workspace):
    response = designer_client.post(
        reverse("contact_import"),
        {"file": upload(b"email,plan\nada@example.com,pro\nbad,free\n")},
    )
    contact_import = ContactImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contact_import_preview", args=[contact_import.pk])
    preview = designer_client.get(response["Location"])
    page = preview.content.decode()
    assert "ada@example.com" in page and "plan" in page
    assert "Line 3 is not an email address." in page
    # Rows with problems are left out only once the designer says so.
    refused = designer_client.post(response["Location"], {})
    assert refused.status_code == 200
    assert "press the import button below to leave them out" in refused.content.decode()
    assert not Contact.objects.exists()
    done = designer_client.post(response["Location"], {"skip_problems": "on"})
    assert done.status_code == 302
    assert list(Contact.objects.values_list("email", flat=True)) == ["ada@example.com"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("email\nzoé@example.fr\n".encode("latin-1"), "not UTF-8 text"),
        (b"name\nAda\n", "No column is called"),
    ],
)
def test_a_refused_file_shows_the_reason_and_stores_nothing(designer_client, data, message):
    response = designer_client.post(reverse("contact_import"), {"file": upload(data)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ContactImport.objects.exists() and not Contact.objects.exists()


def test_another_workspace_cannot_see_an_import(client, outsider, workspace, designer):
    checked = csv_import.prepare(workspace, designer, upload(b"email\na@example.com\n"))
    client.force_login(outsider)
    response = client.get(reverse("contact_import_preview", args=[checked.pk]))
    assert response.status_code == 404


def test_the_import_button_works_by_itself_and_says_what_it_leaves_out(designer_client):
    file = b"email\n" + b"".join(f"p{n}@example.com\n".encode() for n in range(5)) + b"bad\n"
    response = designer_client.post(reverse("contact_import"), {"file": upload(file)})
    page = designer_client.get(response["Location"]).content.decode()
    form = page.split('class="form-page import-confirm"')[1]
    button = re.search(r"<button type=\"submit\"([^>]*)>([^<]*)</button>", form)
    assert button.group(2) == "Import 5 contacts, leaving out 1 row"
    assert 'name="skip_problems" value="on"' in button.group(1)
    assert 'type="checkbox"' not in form
    assert "1 row listed above cannot be imported: importing leaves it out." in page
    # What the button posts is enough: no other box to tick.
    done = designer_client.post(response["Location"], {"skip_problems": "on"})
    assert done.status_code == 302
    assert Contact.objects.count() == 5


def test_without_problems_the_button_just_imports(designer_client):
    response = designer_client.post(
        reverse("contact_import"), {"file": upload(b"email\nada@example.com\n")}
    )
    page = designer_client.get(response["Location"]).content.decode()
    assert ">Import 1 contact</button>" in page
    assert "skip_problems" not in page
    assert designer_client.post(response["Location"], {}).status_code == 302
    assert Contact.objects.count() == 1
