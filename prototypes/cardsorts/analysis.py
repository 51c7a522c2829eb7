"""Results of a card sort: similarity, clusters, placements and agreement. Pure: no Django.

A sort is given as an array of group numbers, one row per participant and one column per
card (``UNSORTED`` where a participant left a card out), so that the counting is a few numpy
operations whatever the size of the study.

* Similarity of two cards: the share of the participants who sorted both that put them in
  the same group (Tullis & Wood, "How many users are enough for a card-sorting study?",
  UPA 2004; Optimal Workshop's similarity matrix).
* Clusters: average-linkage (UPGMA) hierarchical clustering of the distances 1 − similarity,
  with ``scipy.cluster.hierarchy``; the leaf order of its dendrogram orders the matrix.
* Closed sorts: the placement matrix (how many participants put each card in each category)
  and each category's agreement, the mean share of participants who placed its cards there,
  over the cards most often placed in it (1 when everyone put them all there).
* Open sorts: participants' group names standardised (case, spacing, punctuation and words
  such as "my" or "the" do not make a different group; the designer merges the rest).
"""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

UNSORTED = -1
# Words that do not change what a group is about: "My account" is the "Account" group.
FILLER_WORDS = frozenset(
    {"my", "your", "the", "a", "an", "our", "mon", "ma", "mes", "votre", "vos", "le", "la", "les"}
)


@dataclass(frozen=True)
class Similarity:
    together: np.ndarray  # cards × cards: participants who put both in one group
    both: np.ndarray  # cards × cards: participants who sorted both
    share: np.ndarray  # together / both (0 where nobody sorted both); 1 on the diagonal


@dataclass(frozen=True)
class Dendrogram:
    order: tuple  # card indexes, leaf order
    linkage: np.ndarray  # scipy's linkage matrix (merges and their heights)


def similarity(assignments):
    """The similarity matrix of a sort (participants × cards array of group numbers).

    One-hot rows (participant, group) × cards, then one matrix product counts the pairs
    placed together; a second counts the pairs both sorted (the denominators).
    """
    groups = np.asarray(assignments, dtype=np.int64)
    participants, cards = groups.shape
    sorted_mask = groups != UNSORTED
    if not participants or not cards:
        empty = np.zeros((cards, cards))
        return Similarity(empty.astype(np.int64), empty.astype(np.int64), empty)
    width = int(groups.max()) + 1 if sorted_mask.any() else 1
    rows = np.arange(participants)[:, None] * width + np.where(sorted_mask, groups, 0)
    membership = np.zeros((participants * width, cards), dtype=np.float32)
    participant_index, card_index = np.nonzero(sorted_mask)
    membership[rows[participant_index, card_index], card_index] = 1
    together = np.rint(membership.T @ membership).astype(np.int64)
    sorted_float = sorted_mask.astype(np.float32)
    both = np.rint(sorted_float.T @ sorted_float).astype(np.int64)
    share = np.divide(together, both, out=np.zeros((cards, cards)), where=both > 0)
    np.fill_diagonal(share, 1.0)
    return Similarity(together, both, share)


def dendrogram(share):
    """Average-linkage clustering of cards by 1 − similarity, with its leaf order."""
    cards = len(share)
    if cards < 2:
        return Dendrogram(tuple(range(cards)), np.zeros((0, 4)))
    distance = 1.0 - np.asarray(share, dtype=float)
    np.fill_diagonal(distance, 0.0)
    distance = np.clip((distance + distance.T) / 2, 0.0, 1.0)
    linkage = hierarchy.linkage(squareform(distance, checks=False), method="average")
    order = hierarchy.leaves_list(linkage)
    return Dendrogram(tuple(int(index) for index in order), linkage)


def clusters(linkage, cards, height):
    """Card indexes grouped by cutting the dendrogram at ``height`` (a distance, 0 to 1)."""
    if cards < 2:
        return [list(range(cards))]
    labels = hierarchy.fcluster(linkage, t=height, criterion="distance")
    grouped = {}
    for card, label in enumerate(labels):
        grouped.setdefault(int(label), []).append(card)
    return sorted(grouped.values(), key=lambda members: (-len(members), members[0]))


def placement_matrix(assignments, categories):
    """Closed sorts: cards × categories counts of participants placing each card in each."""
    groups = np.asarray(assignments, dtype=np.int64)
    counts = np.zeros((groups.shape[1], categories), dtype=np.int64)
    participant_index, card_index = np.nonzero(groups != UNSORTED)
    np.add.at(counts, (card_index, groups[participant_index, card_index]), 1)
    return counts


def agreement(placements):
    """Per category, the mean share of participants who placed its cards in it, over the
    cards most often placed there; None for a category no card went to most often."""
    placements = np.asarray(placements)
    totals = placements.sum(axis=1)
    result = []
    top = placements.argmax(axis=1) if placements.size else np.zeros(0, dtype=int)
    for category in range(placements.shape[1]):
        cards = [
            card for card in range(placements.shape[0]) if totals[card] and top[card] == category
        ]
        if not cards:
            result.append(None)
            continue
        result.append(float(np.mean([placements[card, category] / totals[card] for card in cards])))
    return result


def standard_name(name):
    """The form of a group name that decides which names are the same group:
    "My account", "account " and "Account!" all give "account"."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    words = [word for word in text.split() if word not in FILLER_WORDS]
    return " ".join(words) or " ".join(text.split())


def standardise(names, merges=None):
    """Each group name -> the standard group it belongs to.

    Names with the same ``standard_name`` are one group, called by its most frequent
    spelling; ``merges`` (name -> standard group chosen by the designer) override that.
    """
    merges = merges or {}
    spellings = {}
    for name in names:
        spellings.setdefault(standard_name(name), Counter())[name.strip()] += 1
    called = {
        key: min(counter.items(), key=lambda item: (-item[1], item[0]))[0]
        for key, counter in spellings.items()
    }
    mapping = {}
    for name in names:
        mapping[name] = (
            merges.get(name)
            or merges.get(called[standard_name(name)])
            or called[standard_name(name)]
        )
    return mapping


def open_sort_groups(sorts, cards, merges=None):
    """Open sorts as an assignments array of standard groups, and the standard groups' names.

    ``sorts`` is one mapping per participant of card index -> group name (a missing card or
    None: unsorted). Similarity is computed from each participant's own groups (two groups
    a participant named alike stay two); standard groups give an open sort a placement
    matrix like a closed one's.
    """
    names = [name for sort in sorts for name in sort.values() if name]
    mapping = standardise(names, merges)
    standards = sorted(set(mapping.values()), key=str.casefold)
    number = {name: index for index, name in enumerate(standards)}
    groups = np.full((len(sorts), cards), UNSORTED, dtype=np.int64)
    for row, sort in enumerate(sorts):
        for card, name in sort.items():
            if name:
                groups[row, card] = number[mapping[name]]
    return groups, standards
