"""The designer's side of tree tests and card sorts: the tree editor, publishing, and the
tasks; bad input gets a clear message and changes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prototypes.authoring.models import Prototype
from prototypes.cardsorts.models import Card
from prototypes.studies.models import Study, Task
from prototypes.treetests.models import TreeNode
from tests import factories

pytestmark = pytest.mark.django_db

OUTLINE = "Shop\n  Women\n    Shoes\n  Men\nHelp\n  Returns\n"


@pytest.fixture
def tree_prototype(workspace, designer):
    prototype = Prototype.objects.create(
        workspace=workspace, name="Navigation", kind=Prototype.Kind.TREE, created_by=designer
    )
    prototype.draft  # noqa: B018 - creates the draft
    return prototype


def save(client, prototype, **data):
    return client.post(reverse("tree_editor", args=[prototype.pk]), data, follow=True)


def labels(prototype):
    return list(prototype.draft.tree_nodes.order_by("position").values_list("label", flat=True))


def test_a_designer_writes_a_tree_and_publishing_freezes_a_copy(designer_client, tree_prototype):
    response = save(designer_client, tree_prototype, outline=OUTLINE)
    assert "Tree saved: 6 labels." in response.content.decode()
    assert labels(tree_prototype) == ["Shop", "Women", "Shoes", "Men", "Help", "Returns"]
    designer_client.post(reverse("tree_publish", args=[tree_prototype.pk]))
    version = tree_prototype.published_versions().get()
    frozen = {node.label: node for node in version.tree_nodes.select_related("parent")}
    assert frozen["Shoes"].parent == frozen["Women"]
    # The draft goes on changing; the published copy does not.
    save(designer_client, tree_prototype, outline="Shop\n")
    assert version.tree_nodes.count() == 6


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outline": "\n".join(f"Label {n}" for n in range(10_000))}, "more than 1,000 labels"),
        ({"outline": "\n".join("  " * d + f"Level {d}" for d in range(20))}, "levels deep"),
        ({"outline": "Shop\n  Shoes\n  Shoes\n"}, "appears twice under “Shop”"),
        ({"outline": "   \n\n"}, "The tree is empty"),
        (
            {"paths": SimpleUploadedFile("tree.csv", b"Shop,Women\nShop,,Shoes\n")},
            "Line 2 has an empty label",
        ),
        (
            {
                "paths": SimpleUploadedFile(
                    "tree.csv", "Café\n".encode("cp1252") + "Crème,Brûlée\n".encode()
                )
            },
            "mixes two text encodings",
        ),
    ],
)
def test_a_tree_that_cannot_be_read_changes_nothing(designer_client, tree_prototype, data, message):
    save(designer_client, tree_prototype, outline=OUTLINE)
    before = list(TreeNode.objects.values_list("pk", "label"))
    response = save(designer_client, tree_prototype, **data)
    assert message in response.content.decode()
    assert list(TreeNode.objects.values_list("pk", "label")) == before


def test_a_viewer_sees_the_tree_but_cannot_change_it(
    client, viewer, tree_prototype, designer_client
):
    save(designer_client, tree_prototype, outline=OUTLINE)
    client.force_login(viewer)
    page = client.get(reverse("tree_editor", args=[tree_prototype.pk])).content.decode()
    assert "Returns" in page and "Save tree" not in page
    client.post(reverse("tree_editor", args=[tree_prototype.pk]), {"outline": "Other"})
    assert labels(tree_prototype) == ["Shop", "Women", "Shoes", "Men", "Help", "Returns"]


@pytest.fixture
def tree_study(workspace, designer, designer_client, tree_prototype):
    save(designer_client, tree_prototype, outline=OUTLINE)
    designer_client.post(reverse("tree_publish", args=[tree_prototype.pk]))
    version = tree_prototype.published_versions().get()
    return factories.StudyFactory(workspace=workspace, prototype_version=version)


def test_a_tree_test_task_names_its_correct_labels(designer_client, tree_study):
    returns = tree_study.prototype_version.tree_nodes.get(label="Returns")
    response = designer_client.post(
        reverse("task_create", args=[tree_study.pk]),
        {"kind": "tree_test", "instruction": "Send back a jacket.", "correct_nodes": [returns.pk]},
    )
    assert response.status_code == 302
    task = tree_study.tasks.get()
    assert (task.kind, task.start_screen, list(task.correct_nodes.all())) == (
        "tree_test",
        None,
        [returns],
    )
    page = designer_client.get(reverse("study_detail", args=[tree_study.pk])).content.decode()
    assert "Returns" in page


def test_a_tree_test_without_a_correct_label_is_refused(designer_client, tree_study):
    response = designer_client.post(
        reverse("task_create", args=[tree_study.pk]),
        {"kind": "tree_test", "instruction": "Send back a jacket."},
    )
    assert "Choose at least one correct label." in response.content.decode()
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    ("cards", "message"),
    [
        ("", "Write at least 1 card, one a line."),
        ("\n".join(f"Card {n}" for n in range(1000)), "at most 100 cards; this has 1,000"),
        ("Apples\napples\n", "“apples” is written twice"),
    ],
)
def test_a_card_sort_with_no_cards_or_too_many_changes_nothing(
    designer_client, tree_study, cards, message
):
    response = designer_client.post(
        reverse("task_create", args=[tree_study.pk]),
        {
            "kind": "card_sort",
            "instruction": "Group these.",
            "sort_mode": "open",
            "cards_text": cards,
        },
    )
    assert message in response.content.decode()
    assert not Task.objects.exists() and not Card.objects.exists()


def test_a_closed_card_sort_keeps_its_cards_and_categories(designer_client, tree_study):
    designer_client.post(
        reverse("task_create", args=[tree_study.pk]),
        {
            "kind": "card_sort",
            "instruction": "Group these.",
            "sort_mode": "closed",
            "cards_text": "Apples\nBoots\n",
            "categories_text": "Fruit\nShoes\n",
        },
    )
    task = tree_study.tasks.get()
    assert list(task.cards.values_list("text", flat=True)) == ["Apples", "Boots"]
    assert list(task.categories.values_list("label", flat=True)) == ["Fruit", "Shoes"]
    assert Study.objects.get(pk=tree_study.pk).state == Study.State.DRAFT
