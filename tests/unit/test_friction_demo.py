"""The demo shop's evidence inbox: its top theme is the order status, the demo Problem's."""

from django.urls import reverse

from prototypes.friction.demo import create_demo_inbox
from prototypes.friction.models import Item, Theme
from prototypes.friction.services import top_three as friction_top_three
from prototypes.studies import friction
from prototypes.studies.models import Problem
from tests import factories


def test_the_demo_inbox_ranks_the_order_status_first_in_english_and_french(workspace):
    top = create_demo_inbox(workspace)
    assert Item.objects.filter(workspace=workspace).count() == 2_000
    assert Theme.objects.filter(workspace=workspace).count() >= 4
    assert top.name == "I can't find my order status"
    assert "order" in top.key_terms
    assert top == max(Theme.objects.filter(workspace=workspace), key=lambda theme: theme.size)
    assert friction_top_three(workspace)[0] == top
    texts = list(top.items.values_list("text", flat=True))
    assert any("commande" in text for text in texts) and any("order" in text for text in texts)
    assert not any("@example.com" in text for text in Item.objects.values_list("text", flat=True))


def test_the_demo_problem_shows_how_many_customers_hit_it(designer_client, workspace):
    top = create_demo_inbox(workspace)
    problem = factories.ProblemFactory(workspace=workspace)
    friction.attach(problem, top)
    assert Problem.objects.get(pk=problem.pk).theme == top
    page = designer_client.get(reverse("problem_detail", args=[problem.pk])).content.decode()
    assert f"{top.size} customers</strong> hit this" in page
