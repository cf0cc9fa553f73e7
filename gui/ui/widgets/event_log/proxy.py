"""The event log's filter: the kinds shown and the text searched for, over the model."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel

from .model import KIND_ROLE, KINDS, TIME_ROLE


class EventFilter(QSortFilterProxyModel):
    """Shows the kinds the user ticked and rows containing the search text; sorted by time."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.kinds: set[str] = set(KINDS)
        self.text = ""
        self.setSortRole(TIME_ROLE)
        self.setDynamicSortFilter(True)

    def set_kinds(self, kinds: set[str]) -> None:
        """Only show these kinds."""
        self.beginFilterChange()
        self.kinds = set(kinds)
        self.endFilterChange()

    def set_text(self, text: str) -> None:
        """Only show rows whose text contains this (case-insensitive)."""
        self.beginFilterChange()
        self.text = text.strip().casefold()
        self.endFilterChange()

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802
        """Kind and text test."""
        model = self.sourceModel()
        index = model.index(row, 2, parent)
        if model.data(index, KIND_ROLE) not in self.kinds:
            return False
        if self.text and self.text not in str(model.data(index)).casefold():
            return False
        return True

    def lessThan(
        self, left: QModelIndex | QPersistentModelIndex, right: QModelIndex | QPersistentModelIndex
    ) -> bool:  # noqa: N802, E501
        """Time order, then arrival order."""
        a, b = left.data(TIME_ROLE), right.data(TIME_ROLE)
        if a == b:
            return left.row() < right.row()
        return bool(a < b)
