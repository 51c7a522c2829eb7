"""The results page: sections behind a sticky navigation, and task names that are never cut
mid-word."""

from django.urls import reverse

from prototypes.reports.metrics import build_report
from tests.unit.test_reports_views import make_study

SECTIONS = ["overview", "tasks", "questions", "heatmaps", "comments", "sessions", "quality"]
LONG_TASK = (
    "You ordered a phone case last week. Find out when it arrives and whether you can change "
    "the delivery address before it ships."
)


def test_every_section_has_a_link_in_the_sticky_navigation(client, viewer, workspace):
    study = make_study(workspace)
    client.force_login(viewer)
    html = client.get(reverse("study_results", args=[study.pk])).content.decode()
    nav = html[
        html.index("data-section-nav") : html.index("</nav>", html.index("data-section-nav"))
    ]
    for section in SECTIONS:
        assert f'href="#{section}"' in nav
        assert f'id="{section}"' in html


def test_a_long_task_is_named_at_a_word_boundary_in_its_criterion(workspace):
    study = make_study(workspace)
    task = study.tasks.get()
    task.instruction = LONG_TASK
    task.save()
    [criterion] = build_report(study).criteria
    name = criterion.description.split("(", 1)[1].split(")")[0]
    assert name.endswith("…")
    assert LONG_TASK.startswith(name[:-1])
    # The cut falls between two words: the next character of the instruction is a space.
    assert LONG_TASK[len(name) - 1] in " ,."
    assert len(name) > 60
