"""Geometry of the card sort's server-rendered SVG pictures: matrices and the dendrogram. Pure.

As in ``prototypes.reports.charts``, Python computes where things go and what a screen
reader should hear; templates draw the SVG with attributes and classes, never inline styles.
"""

from dataclasses import dataclass

from scipy.cluster import hierarchy


@dataclass(frozen=True)
class Cell:
    x: float
    y: float
    size: float
    shade: int  # 0 to 10
    text: str

    @property
    def opacity(self):
        return self.shade / 10


@dataclass(frozen=True)
class Heatmap:
    width: int
    height: int
    cell: float
    row_labels: tuple  # (y, label)
    column_labels: tuple  # (x, label)
    cells: tuple
    label_width: int
    aria_label: str


def heatmap(matrix, row_labels, column_labels, title, as_text, cell=18, label_width=190):
    """A matrix of shares (0 to 1) as a grid of shaded squares with its labels; ``as_text``
    says one cell's value in words."""
    top = label_width
    cells = []
    for row, values in enumerate(matrix):
        for column, value in enumerate(values):
            cells.append(
                Cell(
                    label_width + column * cell,
                    top + row * cell,
                    cell,
                    max(0, min(10, round(float(value) * 10))),
                    f"{row_labels[row]} and {column_labels[column]}: {as_text(value)}",
                )
            )
    width = label_width + len(column_labels) * cell + 10
    height = top + len(row_labels) * cell + 10
    return Heatmap(
        int(width),
        int(height),
        cell,
        tuple((top + (index + 0.7) * cell, label) for index, label in enumerate(row_labels)),
        tuple(
            (label_width + (index + 0.7) * cell, label) for index, label in enumerate(column_labels)
        ),
        tuple(cells),
        label_width,
        title,
    )


@dataclass(frozen=True)
class Dendrogram:
    width: int
    height: int
    lines: tuple  # SVG polyline points, one per merge
    leaves: tuple  # (y, label)
    ticks: tuple  # (x, label) of the distance axis
    aria_label: str


def dendrogram(linkage, labels, order, width=560, label_width=190, leaf_height=18):
    """A dendrogram drawn left to right: leaves (cards) down the left in ``order``, merges
    further right the less similar the groups they join. Uses scipy's own coordinates
    (``scipy.cluster.hierarchy.dendrogram(no_plot=True)``), so it matches its order."""
    count = len(order)
    height = leaf_height * count + 40
    if count < 2:
        leaves = tuple(
            (20 + leaf_height * (index + 0.7), labels[card]) for index, card in enumerate(order)
        )
        return Dendrogram(width, height, (), leaves, (), "A dendrogram needs two cards or more.")
    tree = hierarchy.dendrogram(linkage, no_plot=True, orientation="right")
    plot = width - label_width - 20

    def x(distance):
        return label_width + 10 + min(max(distance, 0.0), 1.0) * plot

    def y(position):
        # scipy puts leaf i at 10 i + 5.
        return 20 + (position - 5) / 10 * leaf_height + leaf_height / 2

    lines = tuple(
        " ".join(f"{x(d):.1f},{y(i):.1f}" for i, d in zip(icoord, dcoord, strict=True))
        for icoord, dcoord in zip(tree["icoord"], tree["dcoord"], strict=True)
    )
    leaves = tuple(
        (y(10 * index + 5) + 4, labels[card]) for index, card in enumerate(tree["leaves"])
    )
    ticks = tuple((x(value), f"{round(100 - value * 100)}%") for value in (0, 0.25, 0.5, 0.75, 1))
    aria = (
        "Dendrogram of the cards by how often participants grouped them together, in this "
        "order: " + ", ".join(labels[card] for card in tree["leaves"])
    )
    return Dendrogram(width, height, lines, leaves, ticks, aria)
