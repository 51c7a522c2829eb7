"""Quotes in the summary: chosen for relevance under a length cap, pinned or hidden by the
designer, and only the pinned ones on a stakeholder's link."""

import pytest
from django.urls import reverse

from prototypes.models import ParticipantSession, QuoteCuration, ReportExport, ReportShare
from prototypes.reports import quotes
from prototypes.reports.metrics import CommentNote, build_report
from prototypes.reports.pages import summary_context
from tests import factories

JUNK = "x" * 600 + " ".join(["lorem ipsum dolor"] * 80) + "!" * 150
HELPFUL = "I could not find the order status on the home screen, it should be at the top."


def note(pk, text, session=None, screen=1, task=1):
    return CommentNote(pk, session or pk, screen, task, 0.5, 0.5, text, None)


def test_a_2000_character_junk_comment_never_becomes_the_top_quote():
    junk = note(1, JUNK[:2000])
    assert len(junk.text) == 2000
    chosen = quotes.representative([junk, note(2, HELPFUL), note(3, "Where?")], friction=[])
    assert chosen[0].id == 2
    assert junk not in chosen


def test_quotes_past_the_length_cap_or_without_words_are_not_chosen():
    long_but_sincere = note(1, "The menu was confusing. " * 20)
    mash = note(2, "asdfasdfasdf asdfasdfasdf asdfasdfasdf")
    numbers = note(3, "12345 !!!")
    assert len(long_but_sincere.text) > quotes.QUOTE_MAX_CHARS
    assert quotes.representative([long_but_sincere, mash, numbers], friction=[]) == []


def test_words_other_participants_used_make_a_comment_more_representative():
    comments = [
        note(1, "The order status is hidden under the account menu."),
        note(2, "I wanted the order status on the first screen."),
        note(3, "Nice colours and a friendly picture of a cat."),
    ]
    chosen = quotes.representative(comments, friction=[], limit=2)
    assert {comment.id for comment in chosen} == {1, 2}


def test_pinned_quotes_come_first_and_hidden_ones_never_show():
    comments = [note(1, HELPFUL), note(2, "Where is the order status?"), note(3, "Too many steps")]
    chosen = quotes.representative(comments, friction=[], pinned={3}, hidden={1})
    assert [comment.id for comment in chosen] == [3, 2]


@pytest.fixture
def commented_study(workspace):
    study = factories.StudyFactory(workspace=workspace)
    home = factories.ScreenFactory(version=study.prototype_version, name="Home")
    texts = [JUNK[:2000], HELPFUL, "The status should be on the home screen.", "Too slow"]
    comments = []
    for text in texts:
        session = factories.SessionFactory(study=study, state=ParticipantSession.State.COMPLETED)
        comments.append(factories.CommentFactory(session=session, screen=home, text=text))
    return study, comments


def test_the_designer_pins_and_hides_quotes_from_the_summary(client, designer, commented_study):
    study, (junk, helpful, status, slow) = commented_study
    client.force_login(designer)
    summary = reverse("study_summary", args=[study.pk])
    html = client.get(summary).content.decode()
    assert "Choose the quotes to share" in html
    assert JUNK[:2000] not in html

    response = client.post(reverse("quote_curate", args=[slow.pk]), {"action": "pin"})
    assert response.status_code == 302 and response["Location"].endswith("#quotes")
    client.post(reverse("quote_curate", args=[helpful.pk]), {"action": "hide"})
    assert dict(QuoteCuration.objects.values_list("comment_id", "choice")) == {
        slow.pk: "pinned",
        helpful.pk: "hidden",
    }
    context = summary_context(build_report(study))
    assert [comment.id for comment, _, _ in context["comments"]][0] == slow.pk
    assert helpful.pk not in [comment.id for comment, _, _ in context["comments"]]

    client.post(reverse("quote_curate", args=[helpful.pk]), {"action": "clear"})
    assert not QuoteCuration.objects.filter(comment=helpful).exists()


def test_a_bad_curation_action_changes_nothing(client, designer, commented_study):
    study, comments = commented_study
    client.force_login(designer)
    client.post(reverse("quote_curate", args=[comments[1].pk]), {"action": "promote"})
    assert not QuoteCuration.objects.exists()


def test_viewers_and_outsiders_cannot_curate_quotes(client, viewer, outsider, commented_study):
    study, comments = commented_study
    url = reverse("quote_curate", args=[comments[1].pk])
    client.force_login(viewer)
    assert client.post(url, {"action": "pin"}).status_code == 403
    client.force_login(outsider)
    assert client.post(url, {"action": "pin"}).status_code == 404
    assert not QuoteCuration.objects.exists()


def test_the_stakeholder_link_shows_only_the_approved_quotes(client, designer, commented_study):
    study, (junk, helpful, status, slow) = commented_study
    share = ReportShare.objects.create(study=study)
    link = reverse("report_share_view", args=[share.token])
    html = client.get(link).content.decode()
    assert "No quotes were shared with this summary." in html
    assert HELPFUL not in html

    QuoteCuration.objects.create(comment=status, choice=QuoteCuration.Choice.PINNED)
    QuoteCuration.objects.create(comment=helpful, choice=QuoteCuration.Choice.HIDDEN)
    html = client.get(link).content.decode()
    assert "The status should be on the home screen." in html
    assert HELPFUL not in html and "Too slow" not in html
    assert "Choose the quotes to share" not in html


def test_a_pdf_asked_for_through_a_stakeholder_link_quotes_only_approved_comments(
    commented_study,
):
    study, (junk, helpful, status, slow) = commented_study
    QuoteCuration.objects.create(comment=slow, choice=QuoteCuration.Choice.PINNED)
    report = build_report(study)
    approved = summary_context(report, for_pdf=True, approved_only=True)["comments"]
    assert [comment.id for comment, _, _ in approved] == [slow.pk]


def test_a_pdf_asked_for_through_a_stakeholder_link_is_marked_for_stakeholders(
    client, commented_study
):
    study, _ = commented_study
    share = ReportShare.objects.create(study=study)
    client.post(reverse("report_share_export_create", args=[share.token]))
    assert ReportExport.objects.get().for_stakeholders
