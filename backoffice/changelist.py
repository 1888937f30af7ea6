"""The list pages' changelist, as Django admin's: filters and sort kept in the URL, "1–50 of N" with the
exact total, previous and next pages, and column headings that sort. One helper for every list (admin
listings, people, a broker's inventory and leads); the views only say which reads fill a page.

Cursors only go forward (DynamoDB's, or an offset for lists read whole), so each page's URL carries the
cursors of the pages before it (``back``) to step back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from django import forms
from django.http import QueryDict

# Parameters that place a page, not choose the list: dropped from the links that filter or sort.
PLACING = ("cursor", "back", "format")


@dataclass(frozen=True)
class Sort:
    """A sortable column: its heading and the ``order`` values sorting it either way ("" is the list's
    default order); the first click on it sorts by ``first``."""

    label: str
    ascending: str
    descending: str
    first: str | None = None

    def __post_init__(self):
        if self.first is None:
            object.__setattr__(self, "first", self.ascending)


@dataclass(frozen=True)
class Changelist:
    """What a list page's request asks for: the filters and sort (``query``), and where it is."""

    query: QueryDict
    cursor: str | None
    back: list[str]
    per_page: int

    @classmethod
    def of(cls, request, *, per_page: int) -> Changelist:
        query = request.GET.copy()
        for name in PLACING:
            query.pop(name, None)
        return cls(query=query, cursor=request.GET.get("cursor") or None, back=request.GET.getlist("back"),
                   per_page=per_page)

    @property
    def order(self) -> str:
        return self.query.get("order", "")

    def ordered(self, order: str) -> Changelist:
        """This list in the ``order`` it is really in (a search may impose its own), for its headings and links."""
        query = self.query.copy()
        query["order"] = order
        return replace(self, query=query)

    def link(self, **changes) -> str:
        """The query string of this list with ``changes`` (from its first page)."""
        query = self.query.copy()
        for name, value in changes.items():
            query[name] = value
        return query.urlencode()

    def pager(self, *, shown: int, next_cursor: str | None, total: int) -> dict:
        """Where this page sits in the whole list ("first–last of total") and the links either way."""
        first = len(self.back) * self.per_page + 1
        pager = {"first": min(first, total), "last": min(first + shown - 1, total), "total": total,
                 "previous": None, "next": None}
        if next_cursor and pager["last"] < total:  # a full last page's cursor leads to an empty one
            forward = self.query.copy()
            forward.setlist("back", [*self.back, self.cursor or ""])
            forward["cursor"] = next_cursor
            pager["next"] = forward.urlencode()
        if self.back:
            backward = self.query.copy()
            backward.setlist("back", self.back[:-1])
            if self.back[-1]:
                backward["cursor"] = self.back[-1]
            pager["previous"] = backward.urlencode()
        return pager

    def heading(self, sort: Sort) -> dict:
        """A column heading: its link (sorting it the other way when it sorts the list now, else its first
        way) and its ``aria-sort``."""
        current = {sort.ascending: "ascending", sort.descending: "descending"}.get(self.order)
        following = {"ascending": sort.descending, "descending": sort.ascending}.get(current, sort.first)
        return {"label": sort.label, "href": self.link(order=following), "aria": current,
                "arrow": {"ascending": "↑", "descending": "↓"}.get(current, "")}

    def headings(self, *sorts: Sort) -> dict[str, dict]:
        return {sort.label: self.heading(sort) for sort in sorts}


def with_order(form: forms.Form, *sorts: Sort) -> forms.Form:
    """``form`` with an "Order" choice of every way its list sorts (the headings' links, as a field: on a
    phone the table's headings are hidden, its rows being cards), the default first."""
    choices = {}
    for sort in sorts:
        for value, arrow in ((sort.ascending, "↑"), (sort.descending, "↓")):
            choices.setdefault(value, f"{sort.label} {arrow}")
    ordered = sorted(choices.items(), key=lambda choice: choice[0] != "")
    form.fields["order"] = forms.ChoiceField(required=False, label="Order", choices=ordered)
    return form


def offset_page(items: list, changelist: Changelist) -> tuple[list, str | None]:
    """One page of a list read whole (its cursor an offset): the page's items and the next page's cursor."""
    try:
        start = max(int(changelist.cursor or 0), 0)
    except ValueError:
        start = 0
    end = start + changelist.per_page
    return items[start:end], (str(end) if end < len(items) else None)


def sorted_by(rows: list, order: str, keys: dict[str, Callable], *, default: str) -> list:
    """A list read whole in the ``order`` asked (a column of ``keys``; "-" first: descending), else in
    ``default``'s."""
    order = order if order.lstrip("-") in keys else default
    return sorted(rows, key=keys[order.lstrip("-")], reverse=order.startswith("-"))
