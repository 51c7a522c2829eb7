import csv
import io

import pytest
from django.urls import reverse

from prototypes.reports.metrics import build_report
from prototypes.studies.models import Task
from prototypes.treetests.demo import create_navigation_studies
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def studies(owner, workspace):
    problem = factories.ProblemFactory(workspace=workspace)
    return create_navigation_studies(workspace, owner, problem, participants=12)


def test_a_tree_test_report_agrees_with_the_attempts_and_judges_criteria(studies):
    tree_test, _ = studies
    report = build_report(tree_test)
    first = report.tasks[0]
    nav = first.navigation
    # The tree test's own success is the attempts' completion, the measure criteria judge.
    assert nav.result.n == first.metrics.n == 12
    assert nav.result.success.successes == first.metrics.completion.successes
    assert nav.result.direct_success.successes == first.metrics.direct_success.successes
    assert sum(row.count for row in nav.result.destinations) == 12
    assert report.criteria[0].verdict.verdict in ("PASS", "FAIL", "NOT YET")
    data = first.as_dict()["navigation"]
    assert data["kind"] == "tree_test" and data["pie_tree"][0]["visits"] == 12


def test_a_card_sort_report_standardises_group_names(studies):
    _, card_sort = studies
    nav = build_report(card_sort).tasks[0].navigation
    assert nav.participants == 12
    assert nav.similarity.share.shape == (30, 30)
    names = {group["name"] for group in nav.group_rows}
    # "Account", "My account", "my account" and "Your account" are one group, called by its
    # most frequent spelling.
    assert len({"Account", "My account", "my account", "Your account"} & names) == 1
    assert len({"Clothing", "clothing"} & names) <= 1


def test_the_results_page_draws_both_kinds(studies, owner, client, django_assert_max_num_queries):
    client.force_login(owner)
    for study in studies:
        response = client.get(reverse("study_results", args=[study.pk]))
        assert response.status_code == 200
    tree_page = client.get(reverse("study_results", args=[studies[0].pk])).content.decode()
    assert "Pie tree" in tree_page and "Where they chose" in tree_page
    sort_page = client.get(reverse("study_results", args=[studies[1].pk])).content.decode()
    assert "Dendrogram" in sort_page and "Similarity matrix" in sort_page


def test_destinations_and_matrices_download_as_csv(studies, owner, client):
    client.force_login(owner)
    tree_task = studies[0].tasks.first()
    response = client.get(reverse("tree_test_csv", args=[tree_task.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["destination", "correct", "participants", "share"]
    assert sum(int(row[2]) for row in rows[1:]) == 12
    sort_task = studies[1].tasks.get(kind=Task.Kind.CARD_SORT)
    response = client.get(reverse("card_sort_similarity_csv", args=[sort_task.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 31 and len(rows[0]) == 31


def test_the_summary_and_the_raw_exports_cover_both_kinds(studies, owner, client):
    from prototypes.reports.exports import raw_tables
    from prototypes.reports.models import ReportExport

    client.force_login(owner)
    tree_test, card_sort = studies
    summary = client.get(reverse("study_summary", args=[tree_test.pk])).content.decode()
    assert "where people looked" in summary and "chose a right label" in summary
    summary = client.get(reverse("study_summary", args=[card_sort.pk])).content.decode()
    assert "how people group things" in summary
    tables = {
        name: list(rows.iterator(chunk_size=500))
        for name, _, rows in raw_tables(ReportExport(study=card_sort, kind="csv"))
    }
    assert len(tables["tree_nodes"]) == tree_test.prototype_version.tree_nodes.count()
    assert len(tables["cards"]) == 30


def test_a_designer_merges_two_groups_of_an_open_sort_and_can_undo_it(studies, owner, client):
    client.force_login(owner)
    _, card_sort = studies
    task = card_sort.tasks.get()
    before = build_report(card_sort).tasks[0].navigation
    name, into = before.groups[0], before.groups[1]
    response = client.post(reverse("card_sort_merge", args=[task.pk]), {"name": name, "into": into})
    assert response.status_code == 302
    after = build_report(card_sort).tasks[0].navigation
    assert name not in after.groups and into in after.groups
    assert after.placements.sum() == before.placements.sum()  # nothing lost, only regrouped
    client.post(reverse("card_sort_merge", args=[task.pk]), {"undo": name})
    assert build_report(card_sort).tasks[0].navigation.groups == before.groups


def test_a_merge_of_a_group_with_itself_or_an_unknown_one_is_refused(studies, owner, client):
    from prototypes.cardsorts.models import GroupMerge

    client.force_login(owner)
    task = studies[1].tasks.get()
    for data in ({"name": "Nope", "into": "Help"}, {"name": "Help", "into": "Help"}):
        client.post(reverse("card_sort_merge", args=[task.pk]), data)
    assert not GroupMerge.objects.exists()
