"""A card sort's results for the report: the final sort of each participant who finished,
then ``analysis`` and ``pictures``."""

from dataclasses import dataclass

import numpy as np

from prototypes.cardsorts import analysis, pictures
from prototypes.cardsorts.models import GroupMerge
from prototypes.reports.present import PERCENT, format_value
from prototypes.sessions.models import Event, TaskAttempt
from prototypes.studies.models import Task

# Cut the dendrogram where cards are grouped together by at least half of the participants.
CLUSTER_HEIGHT = 0.5


@dataclass
class CardSortReport:
    task: object
    cards: list  # Card rows, in the designer's order
    participants: int
    similarity: analysis.Similarity
    tree: analysis.Dendrogram
    groups: list  # standard group names (open) or the categories (closed and hybrid)
    placements: np.ndarray  # cards × groups: participants placing each card in each group
    agreement: list  # per group, None where no card went there most often
    spellings: dict  # standard group -> {name as participants wrote it: participants}
    unsorted: int  # cards left out, over every participant
    merges: dict = None  # standard group -> the group the designer merged it into

    @property
    def texts(self):
        return [card.text for card in self.cards]

    @property
    def clusters(self):
        """Groups of cards most participants put together, as lists of their texts."""
        return [
            [self.texts[card] for card in members]
            for members in analysis.clusters(self.tree.linkage, len(self.cards), CLUSTER_HEIGHT)
        ]

    @property
    def similarity_picture(self):
        order = self.tree.order
        matrix = self.similarity.share[np.ix_(order, order)]
        labels = [self.texts[card] for card in order]
        return pictures.heatmap(
            matrix,
            labels,
            labels,
            f"Similarity matrix of {len(labels)} cards from {self.participants} participants: "
            "the darker a square, the more participants put the two cards in one group.",
            lambda value: f"{format_value(float(value), PERCENT)} put them together",
        )

    @property
    def dendrogram_picture(self):
        return pictures.dendrogram(self.tree.linkage, self.texts, self.tree.order)

    @property
    def placement_picture(self):
        totals = self.placements.sum(axis=1, keepdims=True)
        shares = np.divide(
            self.placements, totals, out=np.zeros(self.placements.shape), where=totals > 0
        )
        return pictures.heatmap(
            shares,
            self.texts,
            self.groups,
            f"Where {self.participants} participants placed each card: the darker a square, "
            "the more of them placed the card in that group.",
            lambda value: f"{format_value(float(value), PERCENT)} placed it there",
        )

    @property
    def group_rows(self):
        return [
            {
                "name": name,
                "agreement": format_value(agreement, PERCENT) if agreement is not None else "—",
                "spellings": sorted(
                    self.spellings.get(name, {}).items(), key=lambda item: (-item[1], item[0])
                ),
                "cards": int((self.placements[:, index] > 0).sum()),
            }
            for index, (name, agreement) in enumerate(zip(self.groups, self.agreement, strict=True))
        ]

    def as_dict(self):
        return {
            "kind": "card_sort",
            "mode": self.task.sort_mode,
            "participants": self.participants,
            "cards": [{"id": card.pk, "text": card.text} for card in self.cards],
            "similarity": np.round(self.similarity.share, 4).tolist(),
            "dendrogram_order": [self.cards[card].pk for card in self.tree.order],
            "clusters": self.clusters,
            "groups": [
                {
                    "name": name,
                    "agreement": agreement,
                    "spellings": self.spellings.get(name, {}),
                    "placements": self.placements[:, index].tolist(),
                }
                for index, (name, agreement) in enumerate(
                    zip(self.groups, self.agreement, strict=True)
                )
            ],
            "unsorted": self.unsorted,
        }

    def similarity_csv(self):
        rows = [("", *self.texts)]
        for text, values in zip(self.texts, self.similarity.share, strict=True):
            rows.append((text, *(f"{value:.4f}" for value in values)))
        return rows

    def placement_csv(self):
        rows = [("card", *self.groups)]
        for text, counts in zip(self.texts, self.placements, strict=True):
            rows.append((text, *(int(count) for count in counts)))
        return rows


def card_sort_results(tasks, sessions):
    """Task id -> CardSortReport of every card sort among ``tasks``: four queries, none
    without card sorts. A participant's sort is the last place they put each card, counted
    once they said they were done."""
    sorts = [task for task in tasks if task.kind == Task.Kind.CARD_SORT]
    if not sorts:
        return {}
    finished = set(
        TaskAttempt.objects.filter(
            session__in=sessions, task__in=sorts, outcome=TaskAttempt.Outcome.DIRECT
        ).values_list("session_id", "task_id")
    )
    final = {}
    for session_id, task_id, data in (
        Event.objects.filter(session__in=sessions, task__in=sorts, type=Event.Type.CARD_PLACE)
        .order_by("t_ms", "id")
        .values_list("session_id", "task_id", "data")
    ):
        if (session_id, task_id) in finished and isinstance(data, dict):
            final.setdefault(task_id, {}).setdefault(session_id, {})[data.get("card")] = data.get(
                "group"
            )
    merges = {}
    for task_id, name, into in GroupMerge.objects.filter(task__in=sorts).values_list(
        "task_id", "name", "into"
    ):
        merges.setdefault(task_id, {})[name] = into
    return {
        task.pk: card_sort_report(task, final.get(task.pk, {}), merges.get(task.pk))
        for task in sorts
    }


def card_sort_report(task, by_session, merges=None):
    """The report of one card sort from session -> {card id: group name ("" unsorted)};
    ``merges`` maps an open sort's standard groups to those the designer merged them into."""
    cards = list(task.cards.all())
    index = {card.pk: position for position, card in enumerate(cards)}
    sessions = sorted(by_session)
    # Similarity from each participant's own groups: two groups they named alike stay two.
    own = np.full((len(sessions), len(cards)), analysis.UNSORTED, dtype=np.int64)
    named = []
    for row, session_id in enumerate(sessions):
        numbers = {}
        sort = {}
        for card_id, group in by_session[session_id].items():
            if card_id in index and group:
                own[row, index[card_id]] = numbers.setdefault(group, len(numbers))
                sort[index[card_id]] = group
        named.append(sort)
    similarity = analysis.similarity(own)
    tree = analysis.dendrogram(similarity.share)
    if task.sort_mode == Task.SortMode.OPEN:
        standard, groups = analysis.open_sort_groups(named, len(cards), merges)
    else:
        groups = list(task.categories.values_list("label", flat=True))
        extra = sorted({name for sort in named for name in sort.values()} - set(groups))
        groups += extra  # a hybrid sort's own groups
        number = {name: position for position, name in enumerate(groups)}
        standard = np.full_like(own, analysis.UNSORTED)
        for row, sort in enumerate(named):
            for card, name in sort.items():
                standard[row, card] = number[name]
    mapping = analysis.standardise([name for sort in named for name in sort.values()], merges)
    spellings = {}
    for sort in named:
        for name in set(sort.values()):
            key = mapping[name] if task.sort_mode == Task.SortMode.OPEN else name
            spellings.setdefault(key, {}).setdefault(name, 0)
            spellings[key][name] += 1
    placements = analysis.placement_matrix(standard, len(groups))
    return CardSortReport(
        task=task,
        cards=cards,
        participants=len(sessions),
        similarity=similarity,
        tree=tree,
        groups=groups,
        placements=placements,
        agreement=analysis.agreement(placements),
        spellings=spellings,
        unsorted=int((own == analysis.UNSORTED).sum()),
        merges=merges or {},
    )
