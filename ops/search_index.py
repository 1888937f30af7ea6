"""The search index's runbook commands (docs/runbooks/search-index.md): its state, and a rebuild from the
table when it is missing, unreadable or has drifted."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.search_index import database, store, writer
from public_api.functions.search_index_writer import CARDS


@dataclass(frozen=True)
class IndexStatus:
    version: int | None
    listings: int | None  # what the published version holds
    published_at: str | None
    loadable: bool
    problem: str | None = None

    def lines(self) -> list[str]:
        if self.version is None:
            return [f"no search index is published: search answers from DynamoDB ({self.problem})"]
        state = "loads" if self.loadable else f"DOES NOT LOAD: {self.problem}"
        return [f"search index version {self.version}: {self.listings} listings, published {self.published_at}; {state}"]


def index_status() -> IndexStatus:
    try:
        pointer = store.SearchIndexVersion.get(*store.POINTER_KEY)
    except store.SearchIndexVersion.DoesNotExist:
        return IndexStatus(version=None, listings=None, published_at=None, loadable=False,
                           problem="the version item is missing")
    try:
        store.load_current(cards=CARDS.fingerprint())
        loadable, problem = True, None
    except store.IndexUnavailable as error:
        loadable, problem = False, str(error)
    return IndexStatus(version=int(pointer.version), listings=int(pointer.listings),
                       published_at=pointer.published_at.isoformat(), loadable=loadable, problem=problem)


def rebuild(*, apply: bool) -> list[str]:
    """Build from the table; publish it only with ``apply`` (a dry run reports what it would publish)."""
    if apply:
        built = writer.rebuild(CARDS)
        published = f"published search index version {built['version']} with {built['listings']} listings"
        return [f"{published}; functions load it within their refresh interval"]
    connection = database.build_from_table()
    return [f"dry run: a rebuild would publish {database.size(connection)} listings (add --apply)"]
