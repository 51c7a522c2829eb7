"""The OpenAPI document read for people: docs/api.md and the /api/ page, both from `outline`.

The page draws the document's Markdown descriptions with `markdown_html`, a small renderer of
the subset they use (headings, paragraphs, lists, tables, code blocks, inline code, bold,
links), so the page needs no script and no library.
"""

import html
import re
from dataclasses import dataclass, field

from django.utils.safestring import mark_safe

METHODS = ("get", "post", "put", "patch", "delete")
GENERATED_NOTE = (
    "<!-- Generated from the OpenAPI document (prototypes/api/openapi.py) by "
    "`manage.py api_docs`: edit the document, not this file. -->"
)


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list
    body: tuple | None
    responses: list
    auth: str

    @property
    def anchor(self):
        return re.sub(r"[^a-z0-9]+", "-", f"{self.method} {self.path}".lower()).strip("-")


@dataclass
class Section:
    name: str
    description: str
    operations: list = field(default_factory=list)


def schema_name(schema):
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(schema_name(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(f"`{value}`" for value in schema["enum"])
    kind = schema.get("type", "object")
    if kind == "array":
        return f"array of {schema_name(schema.get('items'))}"
    bounds = [
        f"{word} {schema[key]}"
        for key, word in (("minimum", "from"), ("maximum", "to"), ("maxLength", "at most"))
        if key in schema
    ]
    return kind + (f" ({', '.join(bounds)})" if bounds else "")


def resolve(document, item):
    if "$ref" in item:
        node = document
        for part in item["$ref"].lstrip("#/").split("/"):
            node = node[part]
        return node
    return item


def auth_of(document, operation):
    security = operation.get("security", document.get("security", []))
    names = [name for requirement in security for name in requirement]
    if not names:
        return "none (the token in the URL is the key)"
    schemes = document["components"]["securitySchemes"]
    found = []
    for name in names:
        scheme = schemes[name]
        if scheme["type"] == "http":
            found.append("`Authorization: Bearer <token>`")
        else:
            found.append(f"`{scheme['name']}` in the {scheme['in']} ({scheme['description']})")
    scope = operation.get("x-scope")
    return " or ".join(found) + (f", scope `{scope}`" if scope else "")


def outline(document):
    """The document's tags in order, each with its operations in the document's order."""
    sections = {tag["name"]: Section(tag["name"], tag["description"]) for tag in document["tags"]}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            body = operation.get("requestBody")
            if body:
                content_type, media = next(iter(body["content"].items()))
                body = (content_type, schema_name(media["schema"]))
            responses = [
                (
                    status,
                    resolve(document, response)["description"],
                    ", ".join(resolve(document, response).get("content", {})),
                    schema_name(
                        next(iter(resolve(document, response).get("content", {}).values()), {}).get(
                            "schema"
                        )
                    ),
                )
                for status, response in sorted(operation["responses"].items())
            ]
            parameters = [
                (
                    p["name"],
                    p["in"],
                    p.get("required", False),
                    schema_name(p["schema"]),
                    p.get("description", ""),
                )
                for p in map(lambda p: resolve(document, p), operation.get("parameters", []))
            ]
            section = sections[operation["tags"][0]]
            section.operations.append(
                Operation(
                    method.upper(),
                    path,
                    operation["summary"],
                    operation.get("description", ""),
                    parameters,
                    body,
                    responses,
                    auth_of(document, operation),
                )
            )
    return list(sections.values())


def schema_rows(document):
    """(name, description, [(field, type, required, description)]) of each component schema."""
    for name, schema in document["components"]["schemas"].items():
        description = schema.get("description", "")
        if "enum" in schema:
            description = (description + " One of: " + schema_name(schema) + ".").strip()
        parts = [resolve(document, part) for part in schema.get("allOf", [schema])]
        rows = [
            (prop, schema_name(spec), prop in part.get("required", []), spec.get("description", ""))
            for part in parts
            for prop, spec in part.get("properties", {}).items()
        ]
        yield name, description, rows


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(document):
    """docs/api.md: the whole document as one Markdown page."""
    out = [
        f"# {document['info']['title']}",
        "",
        GENERATED_NOTE,
        "",
        document["info"]["description"],
    ]
    for section in outline(document):
        out += [f"## {section.name}", "", section.description.rstrip(), ""]
        for op in section.operations:
            out += [f"### `{op.method} {op.path}`: {op.summary}", ""]
            if op.description:
                out += [op.description.rstrip(), ""]
            out += [f"Authentication: {op.auth}.", ""]
            if op.parameters:
                out += ["| Parameter | In | Required | Type | Meaning |", "|---|---|---|---|---|"]
                out += [
                    f"| `{name}` | {where} | {'yes' if required else 'no'} | {cell(kind)} | "
                    f"{cell(meaning)} |"
                    for name, where, required, kind, meaning in op.parameters
                ]
                out.append("")
            if op.body:
                out += [f"Body: `{op.body[0]}`, {op.body[1]} (see Schemas).", ""]
            out += ["| Status | Meaning | Body |", "|---|---|---|"]
            out += [
                f"| {status} | {cell(meaning)} | {cell(schema or content_type or '—')} |"
                for status, meaning, content_type, schema in op.responses
            ]
            out.append("")
    out += ["## Schemas", ""]
    for name, description, rows in schema_rows(document):
        out += [f"### {name}", ""]
        if description:
            out += [description, ""]
        if rows:
            out += ["| Field | Type | Required | Meaning |", "|---|---|---|---|"]
            out += [
                f"| `{prop}` | {cell(kind)} | {'yes' if required else 'no'} | {cell(meaning)} |"
                for prop, kind, required, meaning in rows
            ]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def inline(text):
    """Inline Markdown of already escaped text: code, bold, links."""
    parts = re.split(r"(`[^`]+`)", text)
    for i, part in enumerate(parts):
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            parts[i] = f"<code>{part[1:-1]}</code>"
        else:
            part = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", part)
            part = re.sub(r"(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])", r"<em>\1</em>", part)
            parts[i] = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r'<a href="\2">\1</a>', part)
    return "".join(parts)


def markdown_html(text):
    """HTML of the Markdown subset the document's descriptions use; everything is escaped."""
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            block = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                block.append(html.escape(lines[i]))
                i += 1
            out.append("<pre><code>" + "\n".join(block) + "</code></pre>")
            i += 1
        elif heading := re.match(r"(#{3,6}) (.*)", line):
            level = min(len(heading.group(1)) + 1, 6)
            out.append(f"<h{level}>{inline(html.escape(heading.group(2)))}</h{level}>")
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                if not re.match(r"^\|[-| :]+\|$", lines[i]):
                    cells = re.split(r"(?<!\\)\|", lines[i].strip()[1:-1])
                    rows.append([inline(html.escape(c.strip().replace("\\|", "|"))) for c in cells])
                i += 1
            head, *body = rows
            out.append(
                # Focusable, so a keyboard can scroll a table wider than a phone.
                '<div class="table-wrap" tabindex="0" role="region" aria-label="Table">'
                "<table><thead><tr>"
                + "".join(f'<th scope="col">{c}</th>' for c in head)
                + "</tr></thead><tbody>"
                + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in body)
                + "</tbody></table></div>"
            )
        elif re.match(r"[*-] ", line):
            items = []
            while i < len(lines) and (re.match(r"[*-] ", lines[i]) or lines[i].startswith("  ")):
                if re.match(r"[*-] ", lines[i]):
                    items.append(lines[i][2:])
                else:
                    items[-1] += " " + lines[i].strip()
                i += 1
            out.append(
                "<ul>" + "".join(f"<li>{inline(html.escape(t))}</li>" for t in items) + "</ul>"
            )
        elif not line.strip():
            i += 1
        else:
            paragraph = []
            while (
                i < len(lines)
                and lines[i].strip()
                and not re.match(r"(```|#{3,6} |\||[*-] )", lines[i])
            ):
                paragraph.append(lines[i])
                i += 1
            out.append(f"<p>{inline(html.escape(' '.join(paragraph)))}</p>")
    return mark_safe("\n".join(out))  # noqa: S308 - built from escaped text only
