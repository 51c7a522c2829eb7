import re
from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from prototypes.models import Event, ParticipantSession, Prototype, QuoteCuration, Study
from prototypes.reports.concepts import compare_concepts
from prototypes.studies.demo import CONCEPTS, FIRST_IMPRESSIONS


def run_demo():
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_demo_builds_a_full_workspace_once_and_its_printed_login_works(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = run_demo()
    counts = (
        Prototype.objects.count(),
        Study.objects.count(),
        ParticipantSession.objects.count(),
        Event.objects.count(),
    )
    assert counts[0] == 3  # the shop, the assistant and the shop's navigation tree
    assert counts[1] >= 1
    assert counts[2] >= 30
    assert counts[3] > 300

    with django_capture_on_commit_callbacks(execute=True):
        again = run_demo()
    assert "nothing changed" in again
    assert counts == (
        Prototype.objects.count(),
        Study.objects.count(),
        ParticipantSession.objects.count(),
        Event.objects.count(),
    )

    # Every kind of test has participants: the first impressions (five-second, first-click and
    # preference tests) and the concept A/B test, whose participants are spread over both.
    first_impressions = Study.objects.get(title=FIRST_IMPRESSIONS["title"])
    assert first_impressions.sessions.filter(state="completed").count() == 12
    concepts = compare_concepts(Study.objects.get(title=CONCEPTS["title"]))
    assert [count for _, count in concepts.counted] == [12, 12]
    assert concepts.rows[0].tests[0].p_value is not None
    # The tree test and the open card sort of the shop's navigation.
    for title in (
        "Tree test: can shoppers find their way?",
        "Card sort: how do shoppers group the shop?",
    ):
        assert Study.objects.get(title=title).sessions.filter(state="completed").count() == 30

    email = output.split("email:")[1].split()[0]
    password = output.split("password:")[1].split()[0]
    response = client.post(reverse("login"), {"username": email, "password": password})
    assert response.status_code == 302
    study = Study.objects.filter(state=Study.State.LIVE).order_by("pk").first()
    assert client.get(reverse("study_summary", args=[study.pk])).status_code == 200
    # Every demo study's participant link is printed, and the stakeholder's summary link.
    participant_paths = re.findall(r"http://127\.0\.0\.1:8000(/s/\S+/)", output)
    assert len(participant_paths) == Study.objects.count() == 5
    for path in participant_paths:
        assert client.get(path).status_code == 200
    client.logout()
    summary_path = re.search(r"stakeholder: http://127\.0\.0\.1:8000(/r/\S+/)", output)[1]
    shared = client.get(summary_path).content.decode()
    # The stakeholder sees the quotes the demo designer pinned, and only those.
    assert shared.count('class="quote"') == QuoteCuration.objects.count() >= 2
    assert summary_path in again


def test_demo_sessions_happen_after_their_study_went_live(db):
    output = run_demo()
    assert "30/30" in output
    for study in Study.objects.all():
        assert study.went_live_at is not None
        sessions = study.sessions.all()
        assert sessions.exists()
        assert all(session.started_at > study.went_live_at for session in sessions)
        assert all(session.finished_at < timezone.now() for session in sessions)
        assert study.created_at < study.went_live_at
        assert study.share_links.get().created_at <= min(s.started_at for s in sessions)
