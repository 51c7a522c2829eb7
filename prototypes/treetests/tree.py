"""Reading a tree test's tree from what a designer writes or imports. Pure: no Django.

Two ways in, both giving a list of ``Label`` rows in depth-first order:

* indented text, one label a line, each level indented by one tab or two spaces more than
  its parent (what a designer types, or copies from an outline or a sitemap);
* a CSV file of paths, one node a row, its labels from the top level down in the columns
  (what a spreadsheet of an existing site's navigation exports).

Anything the tree could not be built from (a jump of two levels, an empty label, the same
label twice under one parent, too many labels or levels, a file in two encodings) raises
``TreeRefused`` with the line at fault, so nothing is saved from a half-read tree.
"""

import csv
import io
from dataclasses import dataclass

MAX_NODES = 1_000
MAX_DEPTH = 10
MAX_LABEL_CHARS = 200
MAX_BYTES = 1024 * 1024


class TreeRefused(ValueError):
    """The tree cannot be read; the message says where and what to do."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Label:
    """One node: its label, its depth (0 for the top level) and its parent's index."""

    text: str
    depth: int
    parent: int | None
    line: int = 0  # where the designer wrote it, for messages


def parse_indented(text):
    """The labels of an indented outline, in order, or TreeRefused."""
    if len(text) > MAX_BYTES:
        raise TreeRefused(f"This tree is longer than {MAX_BYTES // 1024} KB of text.")
    labels = []
    parents = []  # parents[depth] = index of the last label seen at that depth
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        depth = _indent_depth(line, number)
        if depth > len(parents):
            raise TreeRefused(
                f"Line {number} is indented two levels deeper than the line above it: "
                "indent each label one tab (or two spaces) more than its parent."
            )
        del parents[depth:]
        parent = parents[-1] if parents else None
        labels.append(_label(line.strip(), depth, parent, labels, number))
        parents.append(len(labels) - 1)
    return _checked(labels)


def _indent_depth(line, number):
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    if " " in indent and "\t" in indent:
        raise TreeRefused(
            f"Line {number} is indented with both tabs and spaces: use one or the other."
        )
    if "\t" in indent:
        return len(indent)
    if len(indent) % 2:
        raise TreeRefused(
            f"Line {number} is indented by {len(indent)} spaces: indent each level by two."
        )
    return len(indent) // 2


def parse_csv(data):
    """The labels of a CSV file of paths (bytes), in the file's order, or TreeRefused.

    A row names a node by its path: ``Shop,Women,Shoes`` is "Shoes" under "Women" under
    "Shop"; ancestors a row names for the first time are created. Empty cells at the end of
    a row are ignored (spreadsheets pad rows to the widest); an empty cell before a label is
    an empty label.
    """
    if len(data) > MAX_BYTES:
        raise TreeRefused(f"This file is larger than {MAX_BYTES // 1024} KB.")
    text = decode(data)
    labels = []
    index = {}  # path of labels -> index in labels
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as problem:
        raise TreeRefused(f"This file is not a well-formed CSV file ({problem}).") from None
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        for depth in range(len(cells)):
            path = tuple(cells[: depth + 1])
            if path in index:
                continue
            parent = index[path[:-1]] if depth else None
            labels.append(_label(cells[depth], depth, parent, labels, number))
            index[path] = len(labels) - 1
            if len(labels) > MAX_NODES:
                _too_many()
    return _checked(labels)


def decode(data):
    """The text of an uploaded file: UTF-8 (with or without a byte order mark), or Windows-1252
    when the whole file is in it; a file mixing both is refused, naming the line that shows it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TreeRefused("This file is saved as UTF-16: save it as “CSV UTF-8” and try again.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for number, line in enumerate(data.splitlines(), start=1):
        if any(byte >= 0x80 for byte in line):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                continue
            raise TreeRefused(
                f"This file mixes two text encodings (line {number} is UTF-8, other lines are "
                "not): save it again as “CSV UTF-8” and upload it again."
            )
    return data.decode("cp1252", errors="replace")


def _delimiter(text):
    first = text.split("\n", 1)[0]
    counts = {delimiter: first.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _label(text, depth, parent, labels, number):
    where = f"Line {number}"
    if not text:
        raise TreeRefused(f"{where} has an empty label: every node needs a label.")
    if len(text) > MAX_LABEL_CHARS:
        raise TreeRefused(f"{where}: a label is at most {MAX_LABEL_CHARS} characters.")
    if depth >= MAX_DEPTH:
        raise TreeRefused(
            f"{where} is {depth + 1} levels deep: a tree test goes at most {MAX_DEPTH} levels "
            "deep (people rarely dig further than five)."
        )
    if len(labels) >= MAX_NODES:
        _too_many()
    return Label(text, depth, parent, number)


def _too_many():
    raise TreeRefused(
        f"This tree has more than {MAX_NODES:,} labels: test one part of the navigation at a time."
    )


def _checked(labels):
    if not labels:
        raise TreeRefused("The tree is empty: write one label a line.")
    seen = set()
    for label in labels:
        key = (label.parent, label.text.casefold())
        if key in seen:
            under = (
                f"under “{labels[label.parent].text}”"
                if label.parent is not None
                else "at the top level"
            )
            raise TreeRefused(
                f"Line {label.line}: “{label.text}” appears twice {under}; participants could "
                "not tell them apart. Rename or merge one."
            )
        seen.add(key)
    return labels


def as_indented(labels):
    """The tree written back as indented text (two spaces a level), for editing in place."""
    return "\n".join("  " * label.depth + label.text for label in labels)
