"""Demo data: a tree test of the demo shop's navigation and an open card sort of its content,
each with simulated participants who behave like real ones (most find their way, some go
back up, a few give up; people name the same group in different words)."""

import random
import uuid

from django.db import transaction

from prototypes.authoring.models import Prototype
from prototypes.cardsorts.models import Card
from prototypes.player import ingestion
from prototypes.studies import participants
from prototypes.studies import services as study_services
from prototypes.studies.models import Criterion, Study, Task
from prototypes.treetests import services, tree

SEED = 20261207
SHOP_TREE = """
Shop
  Women
    Clothing
    Shoes
    Bags
    Sale
  Men
    Clothing
    Shoes
    Accessories
    Sale
  Kids
    Girls
    Boys
    Baby
  Gift cards
Help
  Delivery
    Delivery times
    Track a parcel
  Returns
    Return an item
    Refund status
  Payment
  Size guides
  Contact us
Account
  My orders
    Order history
    Current orders
  Personal details
  Addresses
  Payment methods
  Newsletter
About us
  Our stores
    Store finder
    Opening hours
  Careers
  Sustainability
  Press
"""

TREE_TASKS = [
    {
        "instruction": "Your parcel has not arrived yet. Where would you find out when it will?",
        "correct": [
            ("Help", "Delivery", "Track a parcel"),
            ("Account", "My orders", "Current orders"),
        ],
        "direct": 0.55,
    },
    {
        "instruction": "The jacket you bought is too small. Where would you start sending it back?",
        "correct": [("Help", "Returns", "Return an item")],
        "direct": 0.7,
    },
    {
        "instruction": "You want to know whether the shop in your town opens on Sundays.",
        "correct": [("About us", "Our stores", "Opening hours")],
        "direct": 0.45,
    },
    {
        "instruction": "Your nine-year-old son needs new trainers. Where would you look?",
        "correct": [("Shop", "Kids", "Boys")],
        "direct": 0.75,
    },
]

# Cards of the open sort, each with the group most people would put it in.
CARDS = {
    "Clothing": ["T-shirts", "Jeans", "Dresses", "Jackets"],
    "Shoes": ["Trainers", "Boots", "Sandals"],
    "Accessories": ["Handbags", "Belts", "Scarves"],
    "Help": [
        "Track my parcel",
        "Delivery costs",
        "Return an item",
        "Refund status",
        "Size guide",
        "Contact customer service",
        "Frequently asked questions",
    ],
    "Account": [
        "Order history",
        "Saved addresses",
        "Payment methods",
        "Change password",
        "Newsletter preferences",
        "Wish list",
        "Loyalty points",
    ],
    "About us": ["Store finder", "Opening hours", "Careers", "Sustainability", "Press releases"],
    "Offers": ["Gift cards"],
}
# How different people name the same group.
GROUP_NAMES = {
    "Clothing": ["Clothing", "Clothes", "clothing"],
    "Shoes": ["Shoes", "Footwear", "shoes"],
    "Accessories": ["Accessories", "accessories", "Extras"],
    "Help": ["Help", "Help & FAQ", "Customer service", "help"],
    "Account": ["Account", "My account", "my account", "Your account", "Profile"],
    "About us": ["About us", "About", "The company"],
    "Offers": ["Offers", "Deals", "Gifts"],
}


@transaction.atomic
def create_navigation_studies(workspace, user, problem, participants=30):
    """The shop's navigation tree, a live tree test of it and a live open card sort, each with
    ``participants`` simulated participants; returns the two studies."""
    prototype = Prototype.objects.create(
        workspace=workspace,
        name="Shop navigation",
        description="The shop's menus as they are today, labels only.",
        kind=Prototype.Kind.TREE,
        created_by=user,
    )
    draft = prototype.draft
    services.save_tree(draft, tree.parse_indented(SHOP_TREE))
    version = draft.publish(user=user, note="The navigation as it is live today")
    services.copy_tree(draft, version)
    tree_test = create_tree_test(user, version, problem)
    card_sort = create_card_sort(user, version, problem)
    simulate_tree_test(tree_test, participants)
    simulate_card_sort(card_sort, participants)
    return tree_test, card_sort


def create_tree_test(user, version, problem):
    study = _study(user, version, problem, "Tree test: can shoppers find their way?")
    by_path = {path: node for node, path in _paths(version).items()}
    for position, spec in enumerate(TREE_TASKS):
        task = Task.objects.create(
            study=study,
            position=position,
            kind=Task.Kind.TREE_TEST,
            instruction=spec["instruction"],
            ask_seq=False,
        )
        task.correct_nodes.set([by_path[path] for path in spec["correct"]])
        Criterion.objects.create(
            study=study,
            task=task,
            metric=Criterion.Metric.COMPLETION_RATE,
            comparison=Criterion.Comparison.AT_LEAST,
            threshold=0.7,
            must_have=position == 0,
            position=position,
        )
    return study_services.transition(study, Study.State.LIVE)


def create_card_sort(user, version, problem):
    study = _study(user, version, problem, "Card sort: how do shoppers group the shop?")
    task = Task.objects.create(
        study=study,
        kind=Task.Kind.CARD_SORT,
        sort_mode=Task.SortMode.OPEN,
        instruction="Group these as you would expect to find them on the shop's site, and "
        "name each group.",
        ask_seq=False,
    )
    texts = [text for group in CARDS.values() for text in group]
    Card.objects.bulk_create(
        Card(task=task, text=text, position=position) for position, text in enumerate(texts)
    )
    Criterion.objects.create(
        study=study,
        task=task,
        metric=Criterion.Metric.COMPLETION_RATE,
        comparison=Criterion.Comparison.AT_LEAST,
        threshold=0.8,
        must_have=True,
    )
    return study_services.transition(study, Study.State.LIVE)


def _study(user, version, problem, title):
    return Study.objects.create(
        workspace=problem.workspace,
        problem=problem,
        prototype_version=version,
        title=title,
        hypothesis="At least 70% of shoppers find each answer where we put it.",
        target_participants=30,
        created_by=user,
    )


def _paths(version):
    nodes = services.tree_nodes(version)
    tree_of = services.analysis_tree(nodes)
    return {
        node.pk: tuple(tree_of.nodes[n].label for n in reversed(tree_of.ancestors(node.pk)))
        for node in nodes
    }


def event(kind, t_ms, **fields):
    return {"id": str(uuid.uuid4()), "type": kind, "t_ms": t_ms, **fields}


def simulate_tree_test(study, count):
    rng = random.Random(f"{SEED}:{study.title}")
    nodes = services.tree_nodes(study.prototype_version)
    parents = {node.pk: node.parent_id for node in nodes}
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node.pk)
    tasks = list(study.tasks.prefetch_related("correct_nodes"))

    def ancestry(node):
        chain = []
        while node is not None:
            chain.append(node)
            node = parents[node]
        return list(reversed(chain))

    leaves = [node for node in parents if node not in children]

    def journey(task):
        target = rng.choice([node.pk for node in task.correct_nodes.all()])
        steps = []
        if rng.random() > TREE_TASKS[task.position]["direct"]:
            # A wrong turn first: down a branch the answer is not under, then back up.
            wrong = rng.choice([top for top in children[None] if top != ancestry(target)[0]])
            steps.append(wrong)
            if children.get(wrong):
                steps.append(rng.choice(children[wrong]))
            while steps[-1] is not None:
                steps.append(parents[steps[-1]])
            if rng.random() < 0.25:  # lost for good: a wrong label, or a skip
                if rng.random() < 0.2:
                    return steps, None
                chosen = rng.choice(leaves)
                return steps + ancestry(chosen), chosen
        return steps + ancestry(target), target

    link = study.share_links.first()
    for number in range(1, count + 1):
        session = participants.start_session(
            study, link=link, participant_id=f"SIM-{number:03d}", simulated=True
        )
        clock = 500
        events = []
        for task in tasks:
            events.append(event("task_start", clock, task=task.pk))
            steps, chosen = journey(task)
            for node in steps:
                clock += rng.randint(900, 4000)
                events.append(event("tree_step", clock, task=task.pk, data={"node": node}))
            clock += rng.randint(800, 2500)
            data = {"reason": "done", "node": chosen} if chosen else {"reason": "gave_up"}
            events.append(event("task_end", clock, task=task.pk, data=data))
            clock += 1000
        events.append(event("session_end", clock))
        ingestion.ingest_events(session.token, events)


def simulate_card_sort(study, count):
    rng = random.Random(f"{SEED}:{study.title}")
    task = study.tasks.get()
    cards = {card.text: card.pk for card in task.cards.all()}
    link = study.share_links.first()
    for number in range(1, count + 1):
        session = participants.start_session(
            study, link=link, participant_id=f"SIM-{number:03d}", simulated=True
        )
        names = {group: rng.choice(spellings) for group, spellings in GROUP_NAMES.items()}
        if rng.random() < 0.35:  # some lump clothes and shoes together
            names["Shoes"] = names["Clothing"] = rng.choice(["Products", "Shop", "Clothing"])
        placements = []
        for group, texts in CARDS.items():
            for text in texts:
                if rng.random() < 0.12:
                    group = rng.choice(list(CARDS))
                placements.append((cards[text], names[group]))
        rng.shuffle(placements)
        clock = 500
        events = [event("task_start", clock, task=task.pk)]
        for card, group in placements:
            clock += rng.randint(1500, 6000)
            events.append(
                event("card_place", clock, task=task.pk, data={"card": card, "group": group})
            )
        clock += 2000
        events.append(event("task_end", clock, task=task.pk, data={"reason": "done"}))
        events.append(event("session_end", clock + 1000))
        for start in range(0, len(events), 100):
            ingestion.ingest_events(session.token, events[start : start + 100])
