"""Filling the evidence inbox, grouping it into themes, and the designer's corrections.

Every item is masked before it is stored (analysis.mask), folded into an earlier item it
nearly repeats, and placed in a theme; all of that is worked out first, then one short
transaction stores it: an import either lands whole, grouped, or not at all. Themes the
designer already shaped keep their items; new items join the closest of them (which is how
moves, merges and splits are remembered), and the rest are grouped into new themes.
"""

import hashlib
import hmac
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from prototypes.friction import analysis, exports
from prototypes.friction.models import EvidenceImport, Item, Theme
from prototypes.workspaces.models import Workspace

BATCH = 2_000
# Fewer new items than this left outside every theme wait for the next import to be grouped.
MIN_NEW_GROUP = 12
# Items used for the vocabulary's weights when only a few themes are refreshed.
CONTEXT_SAMPLE = 2_000
TREND_MONTHS = 6
QUOTES = 3


def customer_digest(workspace_id, email):
    """A keyed digest of a customer's email: finds their items for erasure, cannot be read."""
    if not email:
        return ""
    key = settings.SECRET_KEY.encode()
    return hmac.new(
        key, f"{workspace_id}:{email.strip().lower()}".encode(), hashlib.sha256
    ).hexdigest()


# Imports.


def stage(workspace, user, uploaded, max_rows=exports.MAX_ROWS):
    """Read an uploaded export and keep it for the mapping step, or raise ExportRefused."""
    data = uploaded.read()
    table = exports.read(data, max_rows=max_rows)
    return EvidenceImport.objects.create(
        workspace=workspace,
        filename=uploaded.name[:200],
        layout=table.layout.key if table.layout else "",
        encoding=table.encoding,
        delimiter=table.delimiter,
        columns=table.columns,
        preview=[[analysis.mask(cell)[0] for cell in row] for row in table.preview],
        mapping=table.mapping,
        row_count=len(table.rows),
        data=data,
        created_by=user,
    )


def run_import(evidence_import, mapping, max_rows=exports.MAX_ROWS, progress=None):
    """Import every row of a staged export with this mapping, or raise ExportRefused.

    `progress(step, rows_read)` is told how far the import got; the items and the import's
    figures are written in one short transaction at the end, after the grouping.
    """
    data = bytes(evidence_import.data)
    # Emptied when the import is saved; only the local copy is needed until then.
    evidence_import.data = b""
    table = exports.read(data, max_rows=max_rows)
    del data
    layout = exports.LAYOUTS_BY_KEY.get(evidence_import.layout)
    rows = exports.rows_of(table, mapping, layout)
    del table
    source = layout.source if layout else exports.CSV_SOURCE
    plan = _prepare(evidence_import.workspace, rows, source, evidence_import, progress)
    del rows
    with transaction.atomic():
        result = _store(plan)
        evidence_import.mapping = mapping
        evidence_import.status = EvidenceImport.Status.DONE
        evidence_import.error = ""
        evidence_import.imported_at = timezone.now()
        evidence_import.imported_count = result["imported"]
        evidence_import.folded_count = result["folded"]
        evidence_import.skipped_count = result["skipped"]
        evidence_import.masked = result["masked"]
        evidence_import.data = b""
        evidence_import.save()
    return result


# Rows read between two progress updates of an import.
PROGRESS_EVERY = 2_000


def split_notes(text):
    """Interview notes as items: one per paragraph (blank lines separate them)."""
    paragraphs = [part.strip() for part in text.replace("\r\n", "\n").split("\n\n")]
    return [part for part in paragraphs if len(part) >= 3]


def add_items(workspace, rows, source, evidence_import=None):
    """Mask, fold and group `rows` (exports.Row) into the workspace's inbox; returns counts."""
    return _store(_prepare(workspace, rows, source, evidence_import))


INBOX_CHANGED = (
    "The inbox changed while this file was being grouped (themes were merged or items "
    "erased at the same time). Nothing was imported: import the file again."
)


@dataclass
class _Plan:
    """Everything an import writes, worked out before its transaction opens."""

    workspace: Workspace
    source: str
    evidence_import: EvidenceImport | None
    fresh: list  # Rows, their text masked
    skipped: int
    masked: dict
    old: list = field(default_factory=list)  # (pk, text, theme id) of the distinct items
    canonical: list = field(default_factory=list)
    distinct: list = field(default_factory=list)
    themes_of: list = field(default_factory=list)  # theme id, or a key of new_themes
    new_themes: dict = field(default_factory=dict)  # key -> key terms
    space: object = None

    def counts(self, folded=0):
        return {
            "imported": len(self.fresh),
            "folded": folded,
            "skipped": self.skipped,
            "masked": self.masked,
        }


def _prepare(workspace, rows, source, evidence_import=None, progress=None):
    """Mask, fold and place the rows against the inbox as it is now, writing nothing.

    The grouping of a large import takes most of its time: done here, outside any transaction,
    it keeps the inbox writable (SQLite has one writer) and the import's progress visible.
    """
    masked_counts = Counter()
    existing_ids = set(
        Item.objects.filter(workspace=workspace, source=source)
        .exclude(external_id="")
        .values_list("external_id", flat=True)
    )
    fresh = []
    skipped = 0
    for read, row in enumerate(rows, start=1):
        if progress and read % PROGRESS_EVERY == 0:
            progress(EvidenceImport.Step.READING, read)
        if row.external_id and row.external_id in existing_ids:
            skipped += 1
            continue
        if row.external_id:
            existing_ids.add(row.external_id)
        # The masked text replaces the original: a large import would otherwise hold both.
        row.text, counts = analysis.mask(row.text)
        masked_counts.update(counts)
        if row.customer:
            masked_counts["customer email"] += 1
        fresh.append(row)
    plan = _Plan(workspace, source, evidence_import, fresh, skipped, dict(masked_counts))
    if not fresh:
        return plan
    if progress:
        progress(EvidenceImport.Step.GROUPING, len(rows))
    plan.old = list(
        Item.objects.filter(workspace=workspace, duplicate_of__isnull=True)
        .order_by("pk")
        .values_list("pk", "text", "theme_id")
    )
    texts = [text for _, text, _ in plan.old] + [row.text for row in fresh]
    plan.canonical = analysis.fold_duplicates(texts)
    # Group the distinct items: old ones keep their theme, new ones are placed.
    plan.distinct = [i for i in range(len(texts)) if plan.canonical[i] == i]
    old = plan.old
    labels = [old[i][2] if i < len(old) and old[i][2] else -1 for i in plan.distinct]
    plan.themes_of, plan.new_themes, plan.space = _place([texts[i] for i in plan.distinct], labels)
    # The words of a large import are not needed once it is grouped: free them.
    analysis.words_of.cache_clear()
    return plan


def _store(plan):
    """Write a prepared import in one transaction: all its items, grouped, or none."""
    if not plan.fresh:
        return plan.counts()
    workspace, old, canonical = plan.workspace, plan.old, plan.canonical
    kept = {theme for theme in plan.themes_of if theme is not None and theme > 0}
    new = range(len(old), len(old) + len(plan.fresh))
    folded = [i for i in new if canonical[i] != i]
    folded_into = {old[canonical[i]][0] for i in folded if canonical[i] < len(old)}
    try:
        with transaction.atomic():
            if Theme.objects.filter(pk__in=kept).count() != len(kept) or Item.objects.filter(
                pk__in=folded_into
            ).count() != len(folded_into):
                raise exports.ExportRefused(INBOX_CHANGED)
            created_themes = {
                key: Theme.objects.create(
                    workspace=workspace, name=analysis.theme_name(terms), key_terms=terms
                ).pk
                for key, terms in plan.new_themes.items()
            }
            theme_of_index = {
                i: created_themes.get(theme, theme)
                for i, theme in zip(plan.distinct, plan.themes_of, strict=True)
            }
            now = timezone.now()
            # Distinct items first, so that the copies folded into them can point at their ids.
            distinct_new = [i for i in new if canonical[i] == i]
            pk_of_index = {i: old[i][0] for i in range(len(old))}
            stamp = connection.ops.adapt_datetimefield_value(now)
            values = {
                i: _values(
                    workspace, plan.fresh[i - len(old)], plan.source, plan.evidence_import, stamp
                )
                for i in new
            }
            _insert([values[i] + (theme_of_index.get(i), None) for i in distinct_new])
            created = (
                Item.objects.filter(workspace=workspace, created_at=now, duplicate_of=None)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            pk_of_index.update(zip(distinct_new, created, strict=True))
            _insert(
                [
                    values[i] + (theme_of_index.get(canonical[i]), pk_of_index[canonical[i]])
                    for i in folded
                ]
            )
            position = {pk_of_index[i]: row for row, i in enumerate(plan.distinct)}
            refresh_themes(workspace, space=plan.space, position=position)
    except IntegrityError:
        # Another import of the same export landed first: its ids are now taken.
        raise exports.ExportRefused(INBOX_CHANGED) from None
    return plan.counts(len(folded))


COLUMNS = (
    "workspace_id",
    "evidence_import_id",
    "source",
    "external_id",
    "text",
    "happened_at",
    "segment",
    "rating",
    "link",
    "resolution_hours",
    "satisfaction",
    "contacts",
    "customer_digest",
    "pinned",
    "created_at",
    "theme_id",
    "duplicate_of_id",
)


def _values(workspace, row, source, evidence_import, stamp):
    adapt = connection.ops.adapt_datetimefield_value
    return (
        workspace.pk,
        evidence_import.pk if evidence_import else None,
        source,
        row.external_id,
        row.text,
        adapt(row.date),
        row.segment,
        row.rating,
        row.link,
        row.resolution_hours,
        row.satisfaction,
        row.contacts,
        customer_digest(workspace.pk, row.customer),
        False,
        stamp,
    )


def _insert(rows):
    """Insert items with one prepared statement: the ORM's bulk_create prepares each value of
    each field in Python and splits SQLite inserts into batches of 60 rows, which made an
    import of 100,000 tickets spend most of its time there."""
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(Item._meta.db_table)} ({', '.join(map(quote, COLUMNS))}) "
        f"VALUES ({', '.join(['%s'] * len(COLUMNS))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def _place(texts, labels):
    """The theme of each distinct item: kept, joined to the closest theme, or new (a negative
    key of the returned key terms of each new theme); with the space of the texts."""
    labels = np.asarray(labels)
    space = analysis.embed(texts)
    placed = analysis.assign(space, labels)
    new = np.nonzero(placed == -1)[0]
    new_themes = {}
    if len(new) >= MIN_NEW_GROUP or (len(new) and not (labels != -1).any()):
        groups = analysis.cluster(space.vectors[new])
        for number, group in enumerate(sorted(set(groups.tolist()))):
            rows = new[groups == group]
            key = -2 - number
            new_themes[key] = space.terms_of(rows)
            placed[rows] = key
    return [int(label) if label != -1 else None for label in placed], new_themes, space


# Figures of each theme.


def refresh_themes(workspace, theme_ids=None, space=None, position=None):
    """Recompute size, trend, segments, rating, quotes, name and score of the themes.

    `space` and `position` (item pk -> row of the space) spare an import embedding the
    items a second time.
    """
    themes = Theme.objects.filter(workspace=workspace)
    if theme_ids is not None:
        themes = themes.filter(pk__in=theme_ids)
    themes = {theme.pk: theme for theme in themes}
    if not themes:
        return
    # Distinct items in full; repeats only counted, and dated for the themes whose outcomes
    # are followed (a large import is mostly repeats).
    rows = list(
        Item.objects.filter(
            workspace=workspace, theme_id__in=themes, duplicate_of__isnull=True
        ).values_list(*ROW_FIELDS)
    )
    followed = [pk for pk, theme in themes.items() if theme.shipped_on or theme.promoted_at]
    repeats = list(
        Item.objects.filter(
            workspace=workspace, theme_id__in=followed, duplicate_of__isnull=False
        ).values_list(*ROW_FIELDS)
    )
    copies = dict(
        Item.objects.filter(workspace=workspace, theme_id__in=themes)
        .values("theme_id")
        .annotate(n=Count("pk"))
        .values_list("theme_id", "n")
    )
    newest = (
        Item.objects.filter(workspace=workspace)
        .exclude(happened_at=None)
        .order_by("-happened_at")
        .values_list("happened_at", flat=True)
        .first()
    ) or timezone.now()
    by_theme = defaultdict(list)
    for row in rows:
        by_theme[row[1]].append(row)
    repeats_of = defaultdict(list)
    for row in repeats:
        repeats_of[row[1]].append(row)
    if space is None:
        context = list(
            Item.objects.filter(workspace=workspace, duplicate_of__isnull=True)
            .exclude(theme_id__in=themes)
            .values_list("text", flat=True)[:CONTEXT_SAMPLE]
        )
        texts = [row[2] for row in rows] + context
        space = analysis.embed(texts) if rows else None
        position = {row[0]: i for i, row in enumerate(rows)}
    for pk, theme in themes.items():
        distinct = by_theme.get(pk, [])
        theme.copies = copies.get(pk, 0)
        theme.size = len(distinct)
        if distinct:
            _refresh_one(theme, distinct, repeats_of.get(pk, []), newest, space, position)
    Theme.objects.bulk_update(
        themes.values(),
        [
            "name",
            "key_terms",
            "size",
            "copies",
            "score",
            "average_rating",
            "trend",
            "segments",
            "quotes",
            "outcomes",
        ],
    )
    Theme.objects.filter(workspace=workspace, items__isnull=True).delete()


ROW_FIELDS = (
    "pk",
    "theme_id",
    "text",
    "happened_at",
    "created_at",
    "rating",
    "segment",
    "duplicate_of_id",
    "resolution_hours",
    "satisfaction",
    "contacts",
)


def _refresh_one(theme, distinct, repeats, newest, space, position):
    ratings = [row[5] for row in distinct if row[5] is not None]
    theme.average_rating = round(sum(ratings) / len(ratings), 2) if ratings else None
    dates = [row[3] or row[4] for row in distinct]
    signals = analysis.signals_of(
        [row[2] for row in distinct],
        [(newest - date).days for date in dates],
        [row[5] for row in distinct],
    )
    theme.score = analysis.theme_score(signals)
    months = Counter(date.strftime("%Y-%m") for date in dates)
    theme.trend = sorted(months.items())[-TREND_MONTHS:]
    theme.segments = Counter(row[6] for row in distinct if row[6]).most_common(5)
    indices = [position[row[0]] for row in distinct]
    quotes = analysis.representatives(space, indices, QUOTES)
    by_index = {position[row[0]]: row[0] for row in distinct}
    theme.quotes = [by_index[i] for i in quotes]
    terms = space.terms_of(indices)
    if terms:
        theme.key_terms = terms
        if not theme.named_by_designer:
            theme.name = analysis.theme_name(terms)
    # Every contact counts here, repeats included: they are what the fix should reduce.
    theme.outcomes = outcomes(theme, distinct + repeats)


def outcomes(theme, rows):
    """How the friction moved since the fix shipped (or since promotion): per-week volume,
    time to resolution, satisfaction and repeat contacts, before and after."""
    split = theme.shipped_on or (theme.promoted_at.date() if theme.promoted_at else None)
    if split is None:
        return {}
    before = [row for row in rows if (row[3] or row[4]).date() < split]
    after = [row for row in rows if (row[3] or row[4]).date() >= split]

    def figures(part, start, end):
        weeks = max((end - start).days / 7, 1)
        return {
            "items": len(part),
            "per_week": round(len(part) / weeks, 1),
            "resolution_hours": _mean([row[8] for row in part]),
            "satisfaction": _mean([row[9] for row in part]),
            "contacts": _mean([row[10] for row in part]),
        }

    first = min(((row[3] or row[4]).date() for row in rows), default=split)
    last = max(((row[3] or row[4]).date() for row in rows), default=split)
    result = {
        "split": split.isoformat(),
        "before": figures(before, first, split),
        "after": figures(after, split, max(last, split + timedelta(days=7))),
    }
    result["shrank"] = bool(after) and result["after"]["per_week"] < result["before"]["per_week"]
    return result


def _mean(values):
    values = [value for value in values if value is not None]
    return round(sum(values) / len(values), 2) if values else None


# The designer's corrections.


def rename(theme, name):
    theme.name = name
    theme.named_by_designer = True
    theme.save(update_fields=["name", "named_by_designer", "updated_at"])


@transaction.atomic
def merge(target, others):
    """Move every item of `others` into `target` and delete them; returns items moved."""
    others = [theme for theme in others if theme.pk != target.pk]
    moved = Item.objects.filter(theme__in=others).update(theme=target, pinned=True)
    Item.objects.filter(theme=target).update(pinned=True)
    Theme.objects.filter(pk__in=[theme.pk for theme in others]).delete()
    refresh_themes(target.workspace, [target.pk])
    return moved


@transaction.atomic
def move(items, theme):
    """Put these items (and the copies folded into them) in `theme`, pinned there."""
    ids = [item.pk for item in items]
    before = set(Item.objects.filter(pk__in=ids).values_list("theme_id", flat=True)) - {None}
    Item.objects.filter(Q(pk__in=ids) | Q(duplicate_of_id__in=ids)).update(theme=theme, pinned=True)
    refresh_themes(theme.workspace, list(before | {theme.pk}))


@transaction.atomic
def split(theme, items, name):
    """A new theme named `name` with these items of `theme`."""
    new = Theme.objects.create(
        workspace=theme.workspace, name=name or "New theme", named_by_designer=bool(name)
    )
    move(items, new)
    return new


def top_three(workspace):
    """The three themes worth a prototype: the designer's picks, then by score."""
    themes = list(Theme.objects.filter(workspace=workspace).exclude(override=Theme.Override.HIDDEN))
    themes.sort(key=lambda theme: (theme.override != Theme.Override.TOP, -theme.score, theme.pk))
    return themes[:3]


def unthemed(workspace):
    return Item.objects.filter(workspace=workspace, theme=None, duplicate_of=None)


# Privacy.


def erase_customer(workspace, email):
    """Delete every item from this customer (found by the digest of their email)."""
    digest = customer_digest(workspace.pk, email)
    themes = set(
        Item.objects.filter(workspace=workspace, customer_digest=digest).values_list(
            "theme_id", flat=True
        )
    ) - {None}
    with transaction.atomic():
        Item.objects.filter(duplicate_of__customer_digest=digest, workspace=workspace).update(
            duplicate_of=None
        )
        deleted, _ = Item.objects.filter(workspace=workspace, customer_digest=digest).delete()
        refresh_themes(workspace, list(themes))
    return deleted


STAGED_LIFETIME = timedelta(days=1)


def purge_expired(workspace_id, cutoff):
    """Delete inbox items that happened (or were added) before `cutoff`; returns how many."""
    expired = Item.objects.filter(workspace_id=workspace_id).filter(
        Q(happened_at__lt=cutoff) | Q(happened_at__isnull=True, created_at__lt=cutoff)
    )
    Item.objects.filter(duplicate_of__in=expired).update(duplicate_of=None)
    deleted, _ = expired.delete()
    if deleted:
        refresh_themes(Workspace.objects.get(pk=workspace_id))
    return deleted


def purge_staged(now=None):
    """Staged exports hold unmasked personal data: nobody waits a day to confirm a mapping."""
    now = now or timezone.now()
    deleted, _ = EvidenceImport.objects.filter(
        imported_at__isnull=True, created_at__lt=now - STAGED_LIFETIME
    ).delete()
    return deleted
