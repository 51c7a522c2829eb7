"""Importing exports into the evidence inbox, corrections across imports, promotion."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prototypes.friction import exports, services
from prototypes.friction.models import EvidenceImport, Item, Theme
from prototypes.studies.friction import promote
from tests import factories
from tests.friction_corpus import labelled_inbox

COMPLAINTS = [
    "Where is my order? The tracking page shows nothing for days",
    "I can't find the status of my order anywhere in the app",
    "Où est ma commande ? Aucun suivi dans l'application",
    "My refund never arrived after I returned the shoes",
    "Still waiting for the refund of my return, three weeks now",
    "Je n'ai jamais reçu mon remboursement après le retour",
]

LAYOUT_FILES = {
    "zendesk": (
        "Id,Requester,Requester email,Subject,Description,Created at,Organization,"
        "Satisfaction Score,Full resolution time in minutes,Reopens\n"
        '101,Ann,ann@example.com,Order,"{text}",2026-03-01 10:22:33 +0100,Retail,Bad,180,1\n'
    ),
    "intercom": (
        "Conversation ID,Created at,User email,Conversation rating,Company name,"
        "Conversation first message\n"
        'c-9,2026-03-02T08:00:00Z,bob@example.org,2,Acme,"{text}"\n'
    ),
    "freshdesk": (
        "Ticket ID,Subject,Description,Status,Created time,Resolution time (in hrs),"
        "Customer interactions,Company Name\n"
        '55,Help,"{text}",Closed,2026-03-03 11:00:00,4.5,3,Shop\n'
    ),
    "google_play": (
        "Package Name,Reviewer Language,Review Submit Date and Time,Star Rating,Review Title,"
        "Review Text,Review Link\n"
        'com.shop,fr,2026-03-04T09:00:00Z,1,Bof,"{text}",https://play.google.com/r/1\n'
    ),
    "app_store": ('Date;Rating;Title;Review;Territory\n05/03/2026;2;Meh;"{text}";FRA\n'),
}


def upload(workspace, content, name="export.csv", encoding="utf-8"):
    data = content.encode(encoding) if isinstance(content, str) else content
    return services.stage(workspace, None, SimpleUploadedFile(name, data))


@pytest.mark.parametrize("layout", sorted(LAYOUT_FILES))
def test_each_recognised_layout_imports_with_its_fields(workspace, layout):
    text = "Where is my order? Call me on +33 6 12 34 56 78"
    staged = upload(workspace, LAYOUT_FILES[layout].format(text=text))
    assert staged.layout == layout
    result = services.run_import(staged, staged.mapping)
    assert result["imported"] == 1
    item = Item.objects.get(workspace=workspace)
    assert item.source == exports.LAYOUTS_BY_KEY[layout].source
    assert "[phone]" in item.text and "12 34" not in item.text
    assert item.happened_at is not None
    assert item.theme is not None
    if layout == "zendesk":
        assert (item.external_id, item.segment, item.satisfaction) == ("101", "Retail", 0.0)
        assert item.resolution_hours == 3.0 and item.contacts == 1
        assert item.customer_digest == services.customer_digest(workspace.pk, "ann@example.com")
    if layout == "google_play":
        assert (item.rating, item.link) == (1.0, "https://play.google.com/r/1")
    if layout == "app_store":
        assert (item.rating, item.segment, item.happened_at.day) == (2.0, "FRA", 5)
    staged.refresh_from_db()
    assert staged.data == b"" and staged.imported_count == 1


def test_a_latin1_export_with_semicolons_is_detected_and_read(workspace):
    content = "texte;date\n" + "".join(
        f"Je n'ai pas reçu ma commande numéro {i}, très déçu;2026-01-0{i % 9 + 1}\n"
        for i in range(20)
    )
    staged = upload(workspace, content, encoding="cp1252")
    assert staged.delimiter == ";"
    assert staged.encoding != "utf-8"
    services.run_import(staged, staged.mapping)
    assert Item.objects.filter(text__contains="reçu").count() == 20


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"text\n\xff\xfe\x00garbage\x00\x00\xff", "not text"),
        (
            "text\nCafé crème\nfine\n".encode() + b"caf\xe9 froid\n",
            "Line 4: a character is not UTF-8",
        ),
        ("id,date\n1,2026-01-01\n", "no column holds the text"),
        ('text,date\n"open quote,2026-01-01\nfine,2026-01-02\n', "Line 2"),
        ("text,date\nok,2026-01-01\ntoo,many,cells\n", "Line 3: 3 cells"),
        ("text,date\nok,not a date\n", "Line 2: “not a date” in column “date” is not a date"),
    ],
)
def test_broken_exports_are_refused_with_the_line_and_reason_and_nothing_is_kept(
    workspace, content, message
):
    with pytest.raises(exports.ExportRefused, match=message):
        staged = upload(workspace, content)
        services.run_import(staged, staged.mapping)
    assert not Item.objects.exists()
    assert not Theme.objects.exists()


def test_an_export_one_row_too_long_is_refused_before_anything_is_imported(workspace):
    rows = "".join(f"Where is my order {i}\n" for i in range(11))
    with pytest.raises(exports.ExportRefused, match="Line 12: the file has more than 10 rows"):
        services.stage(
            workspace, None, SimpleUploadedFile("big.csv", ("text\n" + rows).encode()), max_rows=10
        )
    assert not EvidenceImport.objects.exists()


def test_the_row_limit_is_one_hundred_thousand():
    rows = "text\n" + "x\n" * 100_001
    with pytest.raises(exports.ExportRefused, match="more than 100,000 rows"):
        exports.read(rows.encode())


def test_a_mapping_naming_a_missing_column_is_refused_and_nothing_imported(workspace):
    staged = upload(workspace, "text\nWhere is my order\n")
    with pytest.raises(exports.ExportRefused, match="no column named “Description”"):
        services.run_import(staged, {"text": "Description"})
    assert not Item.objects.exists()


def rows(texts, start=0):
    return [
        exports.Row(line=i, text=text, external_id=f"t{start + i}") for i, text in enumerate(texts)
    ]


def inbox_of(workspace):
    texts = COMPLAINTS + [text for text, _ in labelled_inbox(seed=5, noise=10, near_duplicates=5)]
    services.add_items(workspace, rows(texts), "Zendesk")


def test_near_duplicates_are_folded_and_counted_once(workspace):
    text = "Where is my order? The tracking page shows nothing for days and nobody answers"
    services.add_items(
        workspace, rows([text, text + "!!", text.upper(), "My refund never came back"]), "Zendesk"
    )
    first = Item.objects.get(external_id="t0")
    assert set(first.duplicates.values_list("external_id", flat=True)) == {"t1", "t2"}
    theme = first.theme
    assert theme.copies - theme.size == 2


def test_a_reimport_of_the_same_export_adds_nothing(workspace):
    inbox_of(workspace)
    before = Item.objects.count()
    result = services.add_items(workspace, rows(COMPLAINTS), "Zendesk")
    assert result["skipped"] == len(COMPLAINTS) and Item.objects.count() == before


def test_corrections_are_kept_across_a_reimport(workspace):
    inbox_of(workspace)
    french = Item.objects.filter(text__contains="rembours", duplicate_of=None)
    refund_theme = Item.objects.get(external_id="t3").theme
    order_theme = Item.objects.get(external_id="t0").theme
    # The designer renames a theme, splits the French refunds off, and merges nothing else.
    services.rename(order_theme, "I can't find my order status")
    french_theme = services.split(refund_theme, list(french), "Remboursements en français")
    services.add_items(
        workspace,
        rows(
            [
                "Je n'ai jamais reçu mon remboursement, le retour est pourtant arrivé",
                "Where is my order?? tracking shows nothing at all",
            ],
            start=10_000,
        ),
        "Zendesk",
    )
    order_theme.refresh_from_db()
    assert order_theme.name == "I can't find my order status"
    assert Item.objects.get(external_id="t10000").theme == french_theme
    assert Item.objects.get(external_id="t10001").theme == order_theme
    assert set(french.values_list("theme_id", flat=True)) == {french_theme.pk}


def test_merging_themes_moves_their_items_and_keeps_them_together(workspace):
    inbox_of(workspace)
    a = Item.objects.get(external_id="t0").theme
    b = Item.objects.get(external_id="t3").theme
    assert a != b
    total = a.copies + b.copies
    services.merge(a, [b])
    a.refresh_from_db()
    assert a.copies == total and not Theme.objects.filter(pk=b.pk).exists()


def test_top_three_follows_the_score_and_the_designers_override(workspace):
    inbox_of(workspace)
    themes = list(Theme.objects.filter(workspace=workspace))
    lowest = min(themes, key=lambda theme: theme.score)
    lowest.override = Theme.Override.TOP
    lowest.save()
    assert services.top_three(workspace)[0] == lowest


def test_promoting_a_theme_writes_the_problem_statement_from_its_evidence(workspace):
    inbox_of(workspace)
    theme = Item.objects.get(external_id="t0").theme
    problem = promote(theme)
    assert problem.theme == theme and problem.workspace == workspace
    assert f"{theme.size:,} customers" in problem.who
    assert f"{theme.size:,} distinct items" in problem.evidence
    assert problem.evidence.count("“") == min(3, theme.size)
    theme.refresh_from_db()
    assert theme.promoted_at is not None


def test_the_problem_page_shows_the_friction_and_a_later_import_shows_it_shrank(
    designer_client, workspace
):
    inbox_of(workspace)
    theme = Item.objects.get(external_id="t0").theme
    response = designer_client.post(reverse("theme_promote", args=[theme.pk]))
    problem = theme.problems.get()
    assert response.url == reverse("problem_detail", args=[problem.pk])
    theme.shipped_on = __import__("datetime").date(2026, 3, 1)
    theme.save()
    old = [
        exports.Row(
            line=i,
            text=f"Where is my order {i}? no tracking",
            external_id=f"o{i}",
            date=exports.parse_date(f"2026-02-{i + 1:02d}"),
        )
        for i in range(20)
    ]
    new = [
        exports.Row(
            line=i,
            text=f"Where is my order {i}? no tracking",
            external_id=f"n{i}",
            date=exports.parse_date(f"2026-03-{i + 1:02d}"),
        )
        for i in range(2)
    ]
    services.add_items(workspace, old + new, "Zendesk")
    theme.refresh_from_db()
    assert theme.outcomes["shrank"] is True
    page = designer_client.get(reverse("problem_detail", args=[problem.pk])).content.decode()
    assert f"{theme.size} customers</strong> hit this" in page
    assert "Did it shrink?" in page


def test_erasing_a_customer_deletes_their_items(workspace):
    staged = upload(workspace, LAYOUT_FILES["zendesk"].format(text="Where is my parcel"))
    services.run_import(staged, staged.mapping)
    assert services.erase_customer(workspace, "ANN@example.com ") == 1
    assert not Item.objects.exists()


def test_retention_purges_old_items_and_stale_staged_files(workspace):
    from datetime import timedelta

    from django.utils import timezone

    services.add_items(
        workspace,
        [
            exports.Row(
                line=1,
                text="old complaint about delivery",
                date=timezone.now() - timedelta(days=400),
            )
        ],
        "Zendesk",
    )
    staged = upload(workspace, "text\nWhere\n")
    EvidenceImport.objects.filter(pk=staged.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    assert services.purge_expired(workspace.pk, timezone.now() - timedelta(days=365)) == 1
    assert services.purge_staged() == 1


def test_the_inbox_and_theme_pages_keep_their_query_count(
    designer_client, workspace, django_assert_max_num_queries
):
    inbox_of(workspace)
    theme = Theme.objects.filter(workspace=workspace).first()
    with django_assert_max_num_queries(15):
        assert designer_client.get(reverse("friction_inbox")).status_code == 200
    with django_assert_max_num_queries(20):
        assert designer_client.get(reverse("theme_detail", args=[theme.pk])).status_code == 200
    factories.ProblemFactory(workspace=workspace)


def test_the_stakeholder_summary_opens_with_how_many_customers_hit_the_problem(
    designer_client, workspace
):
    inbox_of(workspace)
    theme = Item.objects.get(external_id="t0").theme
    problem = promote(theme)
    study = factories.StudyFactory(workspace=workspace, problem=problem)
    page = designer_client.get(reverse("study_summary", args=[study.pk])).content.decode()
    assert f"{theme.size} customers hit this" in page
    assert page.index("customers hit this") < page.index("verdict-word")


def test_a_designer_splits_ticked_items_into_a_new_theme_from_the_theme_page(
    designer_client, workspace
):
    inbox_of(workspace)
    theme = Item.objects.get(external_id="t0").theme
    picked = list(theme.items.filter(duplicate_of=None).values_list("pk", flat=True)[:3])
    response = designer_client.post(
        reverse("theme_move", args=[theme.pk]), {"items": picked, "name": "Tracking links"}
    )
    new = Theme.objects.get(name="Tracking links")
    assert response.url == reverse("theme_detail", args=[new.pk])
    assert set(new.items.filter(duplicate_of=None).values_list("pk", flat=True)) == set(picked)
    assert new.named_by_designer and all(item.pinned for item in new.items.all())
    refused = designer_client.post(reverse("theme_move", args=[theme.pk]), {"name": "Empty"})
    assert refused.status_code == 400 and "Tick the items" in refused.content.decode()
