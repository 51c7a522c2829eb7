"""Importing panel contacts from a CSV file: read and check it, preview, then import all or nothing.

A file that cannot be read as a whole (not UTF-8, no email column, no rows, too large) is
refused with a message saying what to do. A readable file gets a report of the rows that cannot
be imported (not an email address, the same address twice, already in the panel); the designer
sees the first rows and the report, and imports the good rows only after saying so. The import
itself is one transaction: either every row it announced is imported, or none.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from prototypes.recruitment.models import Contact, ContactImport, OptOut
from prototypes.recruitment.panel import email_digest, email_key

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 50
MAX_VALUE_CHARS = 500
PREVIEW_ROWS = 5
EMAIL_HEADERS = ("email", "e-mail", "email address", "e-mail address", "mail", "courriel")
DELIMITERS = (",", ";", "\t")

validate_email = EmailValidator()


class ImportRefused(Exception):
    """The file as a whole cannot be imported; the message says why and what to do."""


@dataclass
class CheckedFile:
    columns: list
    email_column: str
    rows: list = field(default_factory=list)  # [line, email, attributes]
    problems: list = field(default_factory=list)  # {"line", "email", "problem"}
    preview: list = field(default_factory=list)  # the first rows as lists of cells
    row_count: int = 0


def decode(data):
    """The file's text, read as UTF-8 (with or without a byte order mark), or ImportRefused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(
            "This file is saved as UTF-16 (“Unicode text”). Save it as “CSV UTF-8” and "
            "upload it again."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRefused(
            f"This file is not UTF-8 text (the first unreadable character is on line {line}). "
            "In Excel choose “Save as… CSV UTF-8 (comma delimited)”; exports from Google "
            "Sheets and Numbers are UTF-8 already."
        ) from None


def sniff_delimiter(header_line):
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def check_file(data):
    """Read and check a CSV file's bytes: a CheckedFile, or ImportRefused for the whole file."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(
            f"This file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it into smaller "
            "files."
        )
    text = decode(data)
    if "\x00" in text:
        raise ImportRefused("This file holds binary data: it is not a CSV file.")
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first_line))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ImportRefused("This file is empty: the first line must name the columns.")
        columns = [cell.strip() for cell in header]
        email_index = _email_column(columns)
        checked = CheckedFile(columns=columns, email_column=columns[email_index])
        _check_rows(reader, columns, email_index, checked)
    except csv.Error as error:
        raise ImportRefused(
            f"This file is not a well-formed CSV file (line {reader.line_num}: {error})."
        ) from None
    if checked.row_count == 0:
        raise ImportRefused("This file has column names but no rows of contacts.")
    return checked


def _email_column(columns):
    if len(columns) > MAX_COLUMNS:
        raise ImportRefused(f"This file has {len(columns)} columns; at most {MAX_COLUMNS}.")
    seen = set()
    for number, name in enumerate(columns, start=1):
        if not name:
            raise ImportRefused(f"Column {number} has no name: name it in the first line.")
        if name.lower() in seen:
            raise ImportRefused(f"Two columns are called “{name}”: rename one of them.")
        seen.add(name.lower())
    for index, name in enumerate(columns):
        if name.lower() in EMAIL_HEADERS:
            return index
    raise ImportRefused(
        "No column is called “email”: the first line must name the column of email addresses "
        f"“email” (found: {', '.join(columns)})."
    )


def _check_rows(reader, columns, email_index, checked):
    first_line_of = {}
    width = len(columns)
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        line = reader.line_num
        checked.row_count += 1
        if checked.row_count > MAX_ROWS:
            raise ImportRefused(f"This file has more than {MAX_ROWS} rows: split it.")
        if len(checked.preview) < PREVIEW_ROWS:
            checked.preview.append([line, *cells[:width]])
        email = cells[email_index].strip() if email_index < len(cells) else ""
        problem = None
        if len(cells) > width:
            problem = f"has {len(cells)} values but the file has {width} columns"
        elif not email:
            problem = "has no email address"
        else:
            try:
                validate_email(email)
            except ValidationError:
                problem = "is not an email address"
        if problem is None:
            key = email_key(email)
            if key in first_line_of:
                problem = f"repeats the address of line {first_line_of[key]}"
            else:
                first_line_of[key] = line
        if problem is not None:
            checked.problems.append({"line": line, "email": email[:254], "problem": problem})
            continue
        attributes = {
            columns[index]: cell.strip()[:MAX_VALUE_CHARS]
            for index, cell in enumerate(cells)
            if index != email_index and cell.strip()
        }
        checked.rows.append([line, email, attributes])


def prepare(workspace, user, uploaded):
    """Check an uploaded file and keep it for the preview: a ContactImport, or ImportRefused."""
    data = uploaded.read(MAX_BYTES + 1)
    checked = check_file(data)
    return ContactImport.objects.create(
        workspace=workspace,
        uploaded_by=user,
        filename=(uploaded.name or "contacts.csv")[:255],
        columns=checked.columns,
        email_column=checked.email_column,
        rows=checked.rows,
        problems=checked.problems,
        preview=checked.preview,
        row_count=checked.row_count,
    )


def already_in_panel(contact_import):
    """The rows of the import whose address is already in the workspace's panel."""
    existing = panel_emails(contact_import.workspace_id)
    return [row for row in contact_import.rows if email_key(row[1]) in existing]


def panel_emails(workspace_id):
    return set(
        Contact.objects.filter(workspace_id=workspace_id)
        .annotate(key=Lower("email"))
        .values_list("key", flat=True)
    )


class ImportFailed(Exception):
    pass


def run(contact_import):
    """Import every checked row not already in the panel, in one transaction; returns how many.

    An address that unsubscribed before it was erased comes back unsubscribed. Raises
    ImportFailed (nothing imported) if the panel changed in a conflicting way meanwhile.
    """
    workspace_id = contact_import.workspace_id
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
            if locked.imported_at is not None:
                raise ImportFailed("This file has already been imported.")
            existing = panel_emails(workspace_id)
            opted_out = set(
                OptOut.objects.filter(workspace_id=workspace_id).values_list("digest", flat=True)
            )
            contacts = [
                Contact(
                    workspace_id=workspace_id,
                    email=email,
                    attributes=attributes,
                    unsubscribed_at=(
                        now
                        if opted_out and email_digest(workspace_id, email) in opted_out
                        else None
                    ),
                )
                for _line, email, attributes in locked.rows
                if email_key(email) not in existing
            ]
            Contact.objects.bulk_create(contacts, batch_size=1000)
            ContactImport.objects.filter(pk=locked.pk).update(
                imported_at=now, imported_count=len(contacts), rows=[], preview=[], problems=[]
            )
    except IntegrityError:
        raise ImportFailed(
            "Someone added some of these contacts while you were importing: nothing was "
            "imported. Upload the file again to see the current report."
        ) from None
    return len(contacts)
