"""Who may see and change a workspace's problems, studies and their parts."""

from django.urls import reverse

from prototypes.studies.models import Study
from tests import factories
from tests.unit.test_studies_support import add_task, page


def test_another_workspaces_study_and_its_parts_are_not_found(client, outsider, study):
    task = add_task(study)
    criterion = factories.CriterionFactory(study=study, task=task)
    client.force_login(outsider)
    for url in (
        reverse("study_detail", args=[study.pk]),
        reverse("study_progress", args=[study.pk]),
        reverse("study_edit", args=[study.pk]),
        reverse("task_edit", args=[task.pk]),
        reverse("criterion_edit", args=[criterion.pk]),
        reverse("problem_detail", args=[study.problem_id]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_viewer_reads_but_cannot_change(viewer_client, study):
    task = add_task(study)
    assert viewer_client.get(reverse("study_detail", args=[study.pk])).status_code == 200
    assert viewer_client.get(reverse("study_list")).status_code == 200
    forbidden = [
        ("get", reverse("study_edit", args=[study.pk])),
        ("get", reverse("study_create")),
        ("get", reverse("problem_create")),
        ("post", reverse("task_create", args=[study.pk])),
        ("post", reverse("task_edit", args=[task.pk])),
        ("post", reverse("study_transition", args=[study.pk])),
        ("post", reverse("study_delete", args=[study.pk])),
    ]
    for method, url in forbidden:
        assert getattr(viewer_client, method)(url, {}).status_code == 403, url
    assert Study.objects.filter(pk=study.pk).exists()


def test_a_viewer_sees_no_edit_buttons(viewer_client, study):
    add_task(study)
    html = page(viewer_client.get(reverse("study_detail", args=[study.pk])))
    assert reverse("task_create", args=[study.pk]) not in html
    assert reverse("study_edit", args=[study.pk]) not in html


def test_anonymous_visitors_are_sent_to_log_in(client, study):
    response = client.get(reverse("study_detail", args=[study.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
