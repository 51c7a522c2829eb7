"""Reading help-desk and review exports: encoding, delimiter, layout, columns, rows.

Pure code (no Django). A file is read as a whole or refused with the line and the reason
(`ExportRefused`): undecodable bytes, a quote left open, a row with more or fewer cells than
the header, no column holding the text, more than MAX_ROWS rows, a value that is not a
date or a number where one is expected. Nothing is imported from a refused file.

The encoding is detected with charset-normalizer (UTF-8 and UTF-16 byte order marks first);
the delimiter with the standard library's csv.Sniffer. The layouts of Zendesk, Intercom and
Freshdesk ticket exports and of App Store and Google Play review exports are recognised from
their headers, which pre-fills the column mapping the designer checks.
"""

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from charset_normalizer import from_bytes

MAX_ROWS = 100_000
MAX_BYTES = 100 * 1024 * 1024
MAX_TEXT_CHARS = 5_000
PREVIEW_ROWS = 5
DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024

# What an evidence item keeps, and the header names each field goes by.
FIELDS = {
    "title": "Title or subject",
    "text": "Text",
    "date": "Date",
    "rating": "Rating (1 to 5)",
    "segment": "Customer segment",
    "link": "Link back",
    "external_id": "Ticket or review id",
    "customer": "Customer email (kept only as a keyed digest, for erasure)",
    "resolution_hours": "Time to resolution",
    "satisfaction": "Satisfaction",
    "contacts": "Contacts about it (repeat contact)",
}
GENERIC = {
    "title": ["subject", "title", "summary", "objet", "titre"],
    "text": [
        "description",
        "text",
        "body",
        "message",
        "comment",
        "review",
        "feedback",
        "content",
        "notes",
        "texte",
        "commentaire",
        "avis",
    ],
    "date": ["created at", "created", "date", "created time", "submitted at", "timestamp"],
    "rating": ["rating", "stars", "star rating", "score", "note"],
    "segment": ["segment", "plan", "organization", "company", "country", "territory", "tier"],
    "link": ["url", "link", "permalink"],
    "external_id": ["id", "ticket id", "review id", "conversation id"],
    "customer": ["email", "customer email", "requester email", "user email", "e-mail"],
    "resolution_hours": ["resolution time (in hrs)", "resolution hours"],
    "satisfaction": ["satisfaction", "csat", "satisfaction score"],
    "contacts": ["contacts", "customer interactions", "reopens"],
}


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    source: str  # what items imported with this layout are labelled as
    signature: tuple  # headers (lower case) that all appear in this layout's exports
    columns: dict  # field -> header names, most specific first
    resolution_unit_hours: float = 1.0  # how many hours one unit of the resolution column is


LAYOUTS = [
    Layout(
        "zendesk",
        "Zendesk tickets",
        "Zendesk",
        ("id", "subject", "requester", "created at"),
        {
            "title": ["subject"],
            "text": ["description"],
            "date": ["created at"],
            "external_id": ["id"],
            "customer": ["requester email"],
            "segment": ["organization", "group"],
            "satisfaction": ["satisfaction score"],
            "resolution_hours": ["full resolution time in minutes"],
            "contacts": ["reopens"],
        },
        resolution_unit_hours=1 / 60,
    ),
    Layout(
        "intercom",
        "Intercom conversations",
        "Intercom",
        ("conversation id", "created at"),
        {
            "text": ["conversation first message", "first message", "message"],
            "title": ["conversation title", "title"],
            "date": ["created at"],
            "external_id": ["conversation id"],
            "customer": ["user email", "contact email"],
            "rating": ["conversation rating"],
            "segment": ["company name", "user plan", "plan"],
            "link": ["conversation url", "url"],
            "resolution_hours": ["time to close (hours)"],
            "contacts": ["user replies", "replies count"],
        },
    ),
    Layout(
        "freshdesk",
        "Freshdesk tickets",
        "Freshdesk",
        ("ticket id", "subject", "created time"),
        {
            "title": ["subject"],
            "text": ["description"],
            "date": ["created time"],
            "external_id": ["ticket id"],
            "customer": ["email", "contact email"],
            "segment": ["company name", "type"],
            "satisfaction": ["survey results", "satisfaction rating"],
            "resolution_hours": ["resolution time (in hrs)"],
            "contacts": ["customer interactions"],
        },
    ),
    Layout(
        "google_play",
        "Google Play reviews",
        "Google Play",
        ("review text", "star rating"),
        {
            "title": ["review title"],
            "text": ["review text"],
            "date": ["review submit date and time", "review last update date and time"],
            "rating": ["star rating"],
            "segment": ["reviewer language", "app version name", "device"],
            "link": ["review link"],
        },
    ),
    Layout(
        "app_store",
        "App Store reviews",
        "App Store",
        ("rating", "title", "review"),
        {
            "title": ["title"],
            "text": ["review"],
            "date": ["date", "last modified"],
            "rating": ["rating"],
            "segment": ["territory", "country", "version"],
            "external_id": ["review id", "id"],
            "link": ["review link", "url"],
        },
    ),
]
LAYOUTS_BY_KEY = {layout.key: layout for layout in LAYOUTS}
CSV_SOURCE = "CSV import"
SATISFACTION_WORDS = {
    "good": 1.0,
    "satisfied": 1.0,
    "happy": 1.0,
    "positive": 1.0,
    "satisfait": 1.0,
    "bad": 0.0,
    "unsatisfied": 0.0,
    "dissatisfied": 0.0,
    "negative": 0.0,
    "insatisfait": 0.0,
}
SATISFACTION_UNANSWERED = {"", "offered", "unoffered", "not offered", "none", "-"}


class ExportRefused(Exception):
    """The file as a whole cannot be imported; the message gives the line and the reason."""


@dataclass
class Table:
    columns: list
    rows: list  # lists of cells, as strings
    encoding: str
    delimiter: str
    layout: Layout | None
    mapping: dict = field(default_factory=dict)
    lines: list = field(default_factory=list)  # the file's line on which each row starts

    @property
    def preview(self):
        return self.rows[:PREVIEW_ROWS]


def decode(data):
    """The text of a file and the encoding it was read with, or ExportRefused."""
    if not data.strip():
        raise ExportRefused("The file is empty.")
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as error:
            # Valid UTF-8 characters elsewhere: the file mixes encodings (rows pasted from
            # another export, say); guessing one encoding would garble some rows.
            if any(ord(char) > 127 for char in data.decode("utf-8", errors="ignore")):
                line = data[: error.start].count(b"\n") + 1
                raise ExportRefused(
                    f"Line {line}: a character is not UTF-8 while the rest of the file is "
                    "(the file mixes encodings). Save it again as “CSV UTF-8”."
                ) from None
        if b"\x00" in data[:SNIFF_BYTES]:
            raise ExportRefused(
                "This file is not text (it holds binary data): export the tickets or reviews "
                "as CSV and upload that file."
            )
        matches = from_bytes(data[:SNIFF_BYTES])
        best = matches.best()
        if best is None:
            raise ExportRefused(
                "The encoding of this file cannot be recognised: save it as “CSV UTF-8” and "
                "upload it again."
            )
        # Short Western European samples fit several Latin code pages equally well; Excel on
        # Windows writes cp1252, so it wins when it is among the candidates.
        candidates = {match.encoding for match in matches}
        encoding = "cp1252" if "cp1252" in candidates else best.encoding
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ExportRefused(
            f"Line {line}: a character cannot be read as {encoding}. Save the file as "
            "“CSV UTF-8” and upload it again."
        ) from None


def sniff_delimiter(text):
    sample = text[:SNIFF_BYTES]
    sample = sample[: sample.rfind("\n")] if "\n" in sample else sample
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = text.split("\n", 1)[0]
        counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def read(data, max_rows=MAX_ROWS):
    """Read a whole export: a Table with its layout and a guessed mapping, or ExportRefused."""
    if len(data) > MAX_BYTES:
        raise ExportRefused(
            f"This file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it into smaller "
            "files."
        )
    text, encoding = decode(data)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ExportRefused(f"Line {line}: the file holds a NUL character, so it is not a CSV.")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        previous_end = reader.line_num
        if not header or not any(cell.strip() for cell in header):
            raise ExportRefused("Line 1: the first line should name the columns; it is empty.")
        columns = [cell.strip() for cell in header]
        if len(set(c.lower() for c in columns)) != len(columns):
            raise ExportRefused("Line 1: two columns have the same name.")
        rows = []
        lines = []
        for row in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(rows) == max_rows:
                raise ExportRefused(
                    f"Line {start}: the file has more than {max_rows:,} rows. "
                    "Split it into smaller files."
                )
            if len(row) != len(columns):
                raise ExportRefused(
                    f"Line {start}: {len(row)} cells where the header has "
                    f"{len(columns)} columns (a delimiter or a quote is probably missing)."
                )
            rows.append(row)
            lines.append(start)
    except csv.Error as error:
        # The reader stops at the end of the row it could not finish: name where it began.
        raise ExportRefused(
            f"Line {previous_end + 1}: {error} (a quote is probably left open)."
        ) from None
    if not rows:
        raise ExportRefused("The file has a header but no rows.")
    layout = detect_layout(columns)
    mapping = guess_mapping(columns, layout)
    return Table(columns, rows, encoding, delimiter, layout, mapping, lines)


def detect_layout(columns):
    names = {column.lower() for column in columns}
    return next((layout for layout in LAYOUTS if set(layout.signature) <= names), None)


def guess_mapping(columns, layout=None):
    """field -> column, from the layout's names first, then common names."""
    by_name = {column.lower(): column for column in columns}
    mapping = {}
    for name in FIELDS:
        candidates = (layout.columns.get(name, []) if layout else []) + GENERIC[name]
        for candidate in candidates:
            column = by_name.get(candidate)
            if column is not None and column not in mapping.values():
                mapping[name] = column
                break
    return mapping


@dataclass
class Row:
    line: int
    text: str
    date: datetime | None = None
    rating: float | None = None
    segment: str = ""
    link: str = ""
    external_id: str = ""
    customer: str = ""
    resolution_hours: float | None = None
    satisfaction: float | None = None
    contacts: int | None = None


def rows_of(table, mapping, layout=None):
    """The rows as Row objects (line numbers as in the file), or ExportRefused."""
    missing = [column for column in mapping.values() if column and column not in table.columns]
    if missing:
        raise ExportRefused(f"Line 1: the file has no column named “{missing[0]}”.")
    if not mapping.get("text") and not mapping.get("title"):
        raise ExportRefused(
            "Line 1: no column holds the text of the tickets or reviews. Choose the column "
            "with the text (for example “Description”, “Review” or “Message”)."
        )
    index = {name: table.columns.index(column) for name, column in mapping.items() if column}
    unit = layout.resolution_unit_hours if layout else 1.0
    result = []
    for position, cells in enumerate(table.rows):
        line = _line_of(table, position)

        def cell(name, cells=cells):
            return cells[index[name]].strip() if name in index else ""

        text = "\n".join(part for part in (cell("title"), cell("text")) if part)
        if not text:
            continue
        result.append(
            Row(
                line=line,
                text=text[:MAX_TEXT_CHARS],
                date=_date(cell("date"), line, mapping.get("date")),
                rating=_rating(cell("rating"), line, mapping.get("rating")),
                segment=cell("segment")[:100],
                link=cell("link")[:500] if cell("link").startswith(("http://", "https://")) else "",
                external_id=cell("external_id")[:100],
                customer=cell("customer").lower(),
                resolution_hours=_number(cell("resolution_hours"), line, mapping, unit),
                satisfaction=_satisfaction(cell("satisfaction"), line, mapping.get("satisfaction")),
                contacts=_count(cell("contacts"), line, mapping.get("contacts")),
            )
        )
    return result


def _line_of(table, position):
    return table.lines[position] if table.lines else position + 2


DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%b %d, %Y",
    "%d %b %Y",
    "%a, %d %b %Y %H:%M:%S %z",
    "%a %b %d %Y %H:%M:%S",
)


def parse_date(value):
    value = value.strip()
    if not value:
        return None
    if value.isdigit() and len(value) == 13:  # milliseconds since the epoch (Google Play)
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        for pattern in DATE_FORMATS:
            try:
                moment = datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
        else:
            raise ValueError(value) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(value, line, column):
    try:
        return parse_date(value)
    except ValueError:
        raise ExportRefused(
            f"Line {line}: “{value[:40]}” in column “{column}” is not a date."
        ) from None


def _float(value):
    number = float(value.replace(",", ".").replace(" ", ""))
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _rating(value, line, column):
    if not value:
        return None
    try:
        rating = _float(value.split("/")[0])
    except ValueError:
        raise ExportRefused(
            f"Line {line}: “{value[:40]}” in column “{column}” is not a rating."
        ) from None
    if not 0 <= rating <= 10:
        raise ExportRefused(f"Line {line}: the rating {value} in column “{column}” is not 1 to 5.")
    return rating / 2 if rating > 5 else rating


def _number(value, line, mapping, unit):
    if not value:
        return None
    try:
        return round(_float(value) * unit, 2)
    except ValueError:
        raise ExportRefused(
            f"Line {line}: “{value[:40]}” in column “{mapping['resolution_hours']}” is not a "
            "number."
        ) from None


def _satisfaction(value, line, column):
    lowered = value.lower()
    if lowered in SATISFACTION_UNANSWERED:
        return None
    for word, score in SATISFACTION_WORDS.items():
        if lowered.startswith(word):
            return score
    try:
        number = _float(lowered.rstrip("%"))
    except ValueError:
        raise ExportRefused(
            f"Line {line}: “{value[:40]}” in column “{column}” is not a satisfaction score."
        ) from None
    # A percentage, or a 1-to-5 score, as a share of satisfied.
    return min(1.0, number / 100 if number > 5 else (number - 1) / 4 if number >= 1 else number)


def _count(value, line, column):
    if not value:
        return None
    try:
        return int(_float(value))
    except ValueError:
        raise ExportRefused(
            f"Line {line}: “{value[:40]}” in column “{column}” is not a number."
        ) from None
