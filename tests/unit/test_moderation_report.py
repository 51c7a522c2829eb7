"""Wizard of Oz in a study's reports: who answered each turn (the wizard or the script's
fallback), on the results page, the summary, report.json and the raw-data exports."""

import csv
import io
import json
import zipfile
from datetime import timedelta

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prototypes.live import observe
from prototypes.models import ReportExport, ReportShare
from prototypes.moderation import services
from prototypes.moderation.models import ModeratedSession, Note, WizardTurn
from prototypes.moderation.report import (
    FALLBACK,
    WAITING,
    WIZARD,
    answered_by,
    wizard_summary,
)
from prototypes.reports.metrics import build_report, study_sessions
from prototypes.reports.quality import exclude_session
from prototypes.reports.tasks import build_export
from tests import factories
from tests.unit.test_reports_views import make_study


class ModeratedSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModeratedSession

    study = factory.SubFactory(factories.StudyFactory)
    share_link = factory.SubFactory(
        factories.ShareLinkFactory, study=factory.SelfAttribute("..study")
    )
    participant_name = "Ada"
    scheduled_at = factory.LazyFunction(timezone.now)
    state = ModeratedSession.State.LIVE
    participant_session = factory.SubFactory(
        factories.SessionFactory, study=factory.SelfAttribute("..study")
    )


class WizardTurnFactory(factory.django.DjangoModelFactory):
    """A turn the wizard answered with a typed reply, unless told otherwise."""

    class Meta:
        model = WizardTurn

    moderated = factory.SubFactory(ModeratedSessionFactory)
    step = "ask"
    text = "482913"
    script_target = "found"
    state = WizardTurn.State.ANSWERED
    deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(seconds=30))
    reply = "Let me check."
    t_ms = 61_000


def turn(moderated, state=WizardTurn.State.ANSWERED, seconds=None, **fields):
    """A turn asked a minute ago and, when `seconds` is given, resolved that much later."""
    created = timezone.now() - timedelta(minutes=1)
    made = WizardTurnFactory(moderated=moderated, state=state, **fields)
    resolved = created + timedelta(seconds=seconds) if seconds is not None else None
    WizardTurn.objects.filter(pk=made.pk).update(created_at=created, resolved_at=resolved)
    return made


def wizard_study(workspace):
    """The report test study, whose first session was moderated: the wizard answered three turns
    (two typed replies, one step chosen) and one turn timed out to the fallback."""
    study = make_study(workspace, title="Order status")
    moderated = ModeratedSessionFactory(
        study=study, participant_session=study.sessions.order_by("id").first()
    )
    turn(moderated, seconds=4, step="start", text="Where is my order?", reply="Which one?")
    turn(moderated, seconds=8, step="ask", reply="It left today.")
    turn(moderated, seconds=6, step="ask", reply="", target="found")
    turn(moderated, WizardTurn.State.TIMED_OUT, seconds=30, step="ask", reply="", target="confused")
    return study


@pytest.fixture
def study(workspace):
    return wizard_study(workspace)


# --- The summary ------------------------------------------------------------------------------


def test_who_answered_a_turn_follows_its_state_and_deadline():
    now = timezone.now()
    later, earlier = now + timedelta(seconds=5), now - timedelta(seconds=5)
    assert answered_by("answered", earlier, now) == WIZARD
    assert answered_by("timed_out", later, now) == FALLBACK
    assert answered_by("pending", later, now) == WAITING
    # Nobody looked again after the deadline: the script's fallback is what it fell to.
    assert answered_by("pending", earlier, now) == FALLBACK


def test_the_summary_counts_who_answered_by_step_and_by_session(study):
    summary = wizard_summary(study_sessions(study), timezone.now())

    total = summary.total
    assert (total.turns, total.by_wizard, total.replies, total.steps_chosen) == (4, 3, 2, 1)
    assert (total.fallbacks, total.waiting) == (1, 0)
    assert total.median_response_seconds == 6.0
    steps = {step.step: step for step in summary.steps}
    assert [step.step for step in summary.steps] == ["start", "ask"]
    assert (steps["ask"].turns, steps["ask"].replies, steps["ask"].steps_chosen) == (3, 1, 1)
    assert (steps["ask"].fallbacks, steps["ask"].median_response_seconds) == (1, 7.0)
    [session] = summary.sessions
    assert session.participant == "Ada"
    assert [turn.answered_by for turn in session.turns] == [WIZARD, WIZARD, WIZARD, FALLBACK]
    assert [turn.answer_kind for turn in session.turns] == ["reply", "reply", "step", None]
    assert session.turns[0].response_ms == 4000 and session.turns[3].response_ms is None
    assert session.turns[0].clock == "1:01"


def test_a_turn_still_waiting_is_neither_the_wizards_nor_the_fallbacks(study):
    moderated = ModeratedSession.objects.get()
    turn(moderated, WizardTurn.State.PENDING, reply="")
    total = wizard_summary(study_sessions(study), timezone.now()).total
    assert (total.turns, total.by_wizard, total.fallbacks, total.waiting) == (5, 3, 1, 1)


def test_a_study_without_wizard_turns_has_no_summary(workspace):
    study = make_study(workspace)
    ModeratedSessionFactory(study=study, participant_session=study.sessions.first())
    assert wizard_summary(study_sessions(study), timezone.now()) is None
    assert build_report(study).wizard is None
    assert build_report(study).as_dict()["wizard"] is None


def test_excluded_sessions_leave_their_turns_out_as_the_report_does(study, designer):
    exclude_session(ModeratedSession.objects.get().participant_session, designer, "Speeder")
    assert build_report(study).wizard is None


def test_a_report_of_one_revision_counts_only_its_sessions_turns(study):
    later = factories.SessionFactory(study=study, revision=2)
    turn(ModeratedSessionFactory(study=study, participant_session=later), seconds=3)
    assert build_report(study, revision=1).wizard.total.turns == 4
    assert build_report(study, revision=2).wizard.total.turns == 1
    assert build_report(study).wizard.total.turns == 5


def test_the_summary_takes_one_query_however_many_turns(study, django_assert_num_queries):
    for index in range(3):
        moderated = ModeratedSessionFactory(study=study, participant_name=f"P{index}")
        for seconds in (2, 3, 5):
            turn(moderated, seconds=seconds)
    with django_assert_num_queries(1):
        summary = wizard_summary(study_sessions(study), timezone.now())
    assert summary.total.turns == 4 + 9
    assert len(summary.sessions) == 4


def test_the_report_takes_the_same_queries_however_many_turns(study, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as few:
        build_report(study)
    moderated = ModeratedSession.objects.get()
    for seconds in range(1, 11):
        turn(moderated, seconds=seconds, step=f"step-{seconds}")
    with django_assert_max_num_queries(len(few)):
        report = build_report(study)
    assert report.wizard.total.turns == 14


# --- Pages and report.json ------------------------------------------------------------------------


def test_the_results_page_shows_who_answered_with_counts_and_steps(client, viewer, study):
    client.force_login(viewer)
    page = client.get(reverse("study_results", args=[study.pk])).content.decode()
    assert '<section id="wizard"' in page and '<a href="#wizard">Wizard of Oz</a>' in page
    assert "Of 4 participant answers there, <strong>3</strong> were answered by the wizard" in page
    assert "(2 with a typed reply, 1 by choosing the next step)" in page
    assert "<strong>1</strong> by the script's fallback" in page
    assert '<th scope="row">ask</th><td>3</td><td>1</td><td>1</td><td>1</td><td>7.0 s</td>' in page
    assert "<strong>the wizard</strong> replied “It left today.”" in page
    assert "<strong>the wizard</strong> went on to found" in page
    assert "<strong>the script's fallback</strong> went on to confused" in page
    session = ModeratedSession.objects.get().participant_session
    assert reverse("session_replay", args=[session.pk]) in page


def test_a_results_page_without_wizard_turns_has_no_such_section(client, viewer, workspace):
    study = make_study(workspace)
    client.force_login(viewer)
    page = client.get(reverse("study_results", args=[study.pk])).content.decode()
    assert 'id="wizard"' not in page and "Wizard of Oz" not in page


def test_the_summary_mentions_the_wizard_briefly(client, viewer, study, workspace):
    client.force_login(viewer)
    page = client.get(reverse("study_summary", args=[study.pk])).content.decode()
    assert "a facilitator answered 3 of 4 participant answers" in page
    assert "the script's fallback answered 1" in page
    assert reverse("study_results", args=[study.pk]) + "#wizard" in page

    plain = make_study(workspace)
    page = client.get(reverse("study_summary", args=[plain.pk])).content.decode()
    assert "wizard-summary" not in page


def test_a_stakeholders_summary_says_it_without_the_link_to_the_results(client, study):
    share = ReportShare.objects.create(study=study)
    page = client.get(reverse("report_share_view", args=[share.token])).content.decode()
    assert "a facilitator answered 3 of 4 participant answers" in page
    assert "#wizard" not in page and "Who answered what" not in page
    # Only counts: nothing a participant or the wizard typed reaches a stakeholder this way.
    assert "It left today." not in page


def test_report_json_has_the_wizard_object(client, viewer, study):
    client.force_login(viewer)
    data = client.get(reverse("api_report", args=[study.pk])).json()["wizard"]
    assert {key: data[key] for key in ("turns", "by_wizard", "replies_typed")} == {
        "turns": 4,
        "by_wizard": 3,
        "replies_typed": 2,
    }
    assert (data["steps_chosen"], data["fallbacks"], data["waiting"]) == (1, 1, 0)
    assert data["median_response_seconds"] == 6.0
    assert [step["step"] for step in data["steps"]] == ["start", "ask"]
    [session] = data["sessions"]
    assert "participant" not in session
    assert [turn["answered_by"] for turn in session["turns"]] == ["wizard"] * 3 + ["fallback"]
    assert session["turns"][2] | {"asked_at": None, "answered_at": None} == {
        "id": session["turns"][2]["id"],
        "step": "ask",
        "text": "482913",
        "answered_by": "wizard",
        "answer_kind": "step",
        "reply": "",
        "target": "found",
        "script_target": "found",
        "t_ms": 61_000,
        "asked_at": None,
        "answered_at": None,
        "response_ms": 6000,
    }


# --- Quoted facilitator notes --------------------------------------------------------------------


def test_a_quoted_facilitator_note_joins_observers_notes_in_the_summary_and_share_link(
    client, designer, study
):
    moderated = ModeratedSession.objects.get()
    session = moderated.participant_session
    note = Note.objects.create(
        moderated=moderated,
        author=designer,
        text="Hesitates at checkout",
        t_ms=75_400,
        tags=["pricing", "trust"],
    )
    observe.add_note(session, "Scrolls past the price", "pricing", 70_000, author=designer)
    observe.quote(session.observer_notes.get(), True)
    summary = reverse("study_summary", args=[study.pk])
    client.force_login(designer)
    assert "Hesitates at checkout" not in client.get(summary).content.decode()

    client.post(reverse("facilitator_note_quote", args=[note.pk]), {"quoted": "on"})

    label = f"A facilitator's note on session {session.pk}, at 75 s · #pricing · #trust"
    page = client.get(summary).content.decode()
    section = page[page.index('<section id="observer-notes">') :]
    section = section[: section.index("</section>")]
    assert "Scrolls past the price" in section and "Hesitates at checkout" in section
    assert label in section
    share = ReportShare.objects.create(study=study)
    client.logout()
    shared = client.get(reverse("report_share_view", args=[share.token])).content.decode()
    assert "Hesitates at checkout" in shared and label in shared


def test_the_summary_reads_quoted_facilitator_notes_in_the_same_queries_however_many(
    client, viewer, study, django_assert_max_num_queries
):
    def quoted_note(moderated, index):
        return Note.objects.create(
            moderated=moderated, text=f"Facilitator remark {index}", t_ms=index, quoted=True
        )

    quoted_note(ModeratedSession.objects.get(), 0)
    url = reverse("study_summary", args=[study.pk])
    client.force_login(viewer)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(1, 7):
        quoted_note(ModeratedSessionFactory(study=study, participant_name=f"P{index}"), index)
    with django_assert_max_num_queries(len(few)):
        page = client.get(url).content.decode()
    assert page.count("A facilitator's note on session") == 7
    assert len(services.quoted_notes(study)) == 7


def test_an_unquoted_or_sessionless_facilitator_note_stays_out_of_the_summary(study, designer):
    moderated = ModeratedSession.objects.get()
    Note.objects.create(moderated=moderated, text="Not quoted")
    never_began = services.schedule(study, "Bo", timezone.now(), designer)
    Note.objects.create(moderated=never_began, text="Bo is late", quoted=True)
    assert list(services.quoted_notes(study)) == []


# --- Exports ------------------------------------------------------------------------------------


def built(study, kind):
    export = ReportExport.objects.create(study=study, kind=kind)
    build_export.delay(export.pk)
    export.refresh_from_db()
    assert export.status == ReportExport.Status.DONE, export.error
    return export.file.open("rb").read()


def test_the_csv_export_has_a_wizard_turns_table(study):
    archive = zipfile.ZipFile(io.BytesIO(built(study, "csv")))
    rows = list(csv.DictReader(io.TextIOWrapper(archive.open("wizard_turns.csv"), "utf-8")))
    assert [row["answered_by"] for row in rows] == ["wizard", "wizard", "wizard", "fallback"]
    assert [row["answer_kind"] for row in rows] == ["reply", "reply", "step", ""]
    assert rows[0]["participant_text"] == "Where is my order?"
    assert rows[0]["reply"] == "Which one?" and rows[0]["response_ms"] == "4000"
    assert rows[3]["target"] == "confused" and rows[3]["answered_at"]
    session = ModeratedSession.objects.get().participant_session_id
    assert {row["session"] for row in rows} == {str(session)}
    assert "participant" not in rows[0]


def test_the_json_export_has_a_wizard_turns_table(study):
    data = json.loads(built(study, "json"))
    turns = data["wizard_turns"]
    assert [turn["step"] for turn in turns] == ["start", "ask", "ask", "ask"]
    assert turns[1]["reply"] == "It left today." and turns[1]["response_ms"] == 8000


def test_a_reply_that_looks_like_a_formula_is_neutralised_in_the_csv(study):
    turn(ModeratedSession.objects.get(), seconds=2, reply="=HYPERLINK(1)")
    archive = zipfile.ZipFile(io.BytesIO(built(study, "csv")))
    rows = list(csv.DictReader(io.TextIOWrapper(archive.open("wizard_turns.csv"), "utf-8")))
    assert rows[-1]["reply"] == "'=HYPERLINK(1)"


def test_the_pdf_summary_says_how_many_replies_came_from_a_person(study):
    import pypdfium2

    pdf = pypdfium2.PdfDocument(built(study, "pdf"))
    text = " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in pdf)
    assert "a facilitator answered 3 of 4 participant answers" in text
