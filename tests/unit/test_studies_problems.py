"""The problem pages: writing a problem down, its page with its studies and decisions."""

import re

from django.urls import reverse

from prototypes.studies.models import Problem
from tests.unit.test_studies_support import page


def test_problem_list_starts_empty(designer_client):
    response = designer_client.get(reverse("problem_list"))
    assert "No problems written down yet." in page(response)


def test_writing_down_a_problem(designer_client, workspace):
    response = designer_client.post(
        reverse("problem_create"),
        {
            "title": "Customers can't find their order",
            "who": "Mobile shoppers",
            "what": "They call support.",
            "evidence": "1,240 tickets in Q1",
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("problem_detail", args=[problem.pk])
    assert problem.workspace == workspace
    detail = page(designer_client.get(response["Location"]))
    assert "No studies of this problem yet." in detail
    assert "1,240 tickets in Q1" in detail


def test_a_problem_needs_who_and_what(designer_client):
    response = designer_client.post(reverse("problem_create"), {"title": "Something"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"who", "what"}
    assert not Problem.objects.exists()


def test_problem_detail_lists_its_studies(designer_client, study):
    response = designer_client.get(reverse("problem_detail", args=[study.problem_id]))
    assert study.title in page(response)


def test_the_decision_log_loaded_into_a_problem_page_replaces_its_placeholder(
    designer_client, study
):
    page_html = page(designer_client.get(reverse("problem_detail", args=[study.problem.pk])))
    placeholder = re.search(r'<section id="decisions"[^>]*>.*?</section>', page_html, re.S)
    url = re.search(r'hx-get="([^"]+)"', placeholder.group()).group(1)
    swap = re.search(r'hx-swap="([^"]+)"', placeholder.group()).group(1)
    fragment = page(designer_client.get(url, HTTP_HX_REQUEST="true"))

    if swap == "outerHTML":
        swapped = page_html.replace(placeholder.group(), fragment)
    else:
        opening = re.match(r"<section[^>]*>", placeholder.group()).group()
        swapped = page_html.replace(placeholder.group(), f"{opening}{fragment}</section>")

    assert page_html.count('id="decisions"') == 1
    assert fragment.count('id="decisions"') == 1
    assert swapped.count('id="decisions"') == 1


def test_editing_a_problem(designer_client, study):
    problem = study.problem
    designer_client.post(
        reverse("problem_edit", args=[problem.pk]),
        {"title": "New title", "who": problem.who, "what": problem.what, "evidence": ""},
    )
    problem.refresh_from_db()
    assert problem.title == "New title"
