"""The index's schema, its build from the table and the change of one listing.

``cards`` holds one row per listed listing (filter and order columns, the card itself); ``words`` is
an FTS5 table over title, description, neighbourhood names (Latin and Devanagari) and features, with
the card's rowid; ``map`` is an R*Tree of each card's point. Everything lives in one in-memory
database, serialised whole to publish it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from marketplace.models import Listing
from marketplace.search_index.documents import Document, document_of

SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE cards (
    id INTEGER PRIMARY KEY, listing_id TEXT NOT NULL UNIQUE, neighborhood TEXT NOT NULL,
    property_type TEXT NOT NULL, purpose TEXT NOT NULL, status TEXT NOT NULL, price INTEGER,
    land_sqft REAL, bedrooms INTEGER, road_ft REAL, facing TEXT, premium INTEGER NOT NULL,
    exclusive INTEGER NOT NULL, public_at REAL, published REAL NOT NULL, per_ropani REAL,
    price_band TEXT NOT NULL, card TEXT NOT NULL);
CREATE INDEX cards_newest ON cards (-published, listing_id);
CREATE INDEX cards_price_asc ON cards ((price IS NULL), coalesce(price, 0), listing_id);
CREATE INDEX cards_price_desc ON cards ((price IS NULL), -coalesce(price, 0), listing_id);
CREATE INDEX cards_per_ropani ON cards ((per_ropani IS NULL), coalesce(per_ropani, 0), listing_id);
CREATE INDEX cards_land_desc ON cards ((land_sqft IS NULL), -coalesce(land_sqft, 0), listing_id);
CREATE INDEX cards_neighborhood ON cards (neighborhood, -published);
CREATE VIRTUAL TABLE words USING fts5(title, description, place, features,
                                      tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE map USING rtree(id, min_lat, max_lat, min_lng, max_lng);
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_COLUMNS = ("listing_id", "neighborhood", "property_type", "purpose", "status", "price", "land_sqft", "bedrooms",
            "road_ft", "facing", "premium", "exclusive", "public_at", "published", "per_ropani", "price_band", "card")
_UPSERT = (f"INSERT INTO cards ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)}) "
           f"ON CONFLICT (listing_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _COLUMNS[1:])} "
           "RETURNING id")
_BATCH = 100  # BatchGetItem's limit


def empty() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    connection.executescript(_SCHEMA)
    connection.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
    return connection


def _remove(connection: sqlite3.Connection, listing_id: str) -> None:
    found = connection.execute("SELECT id FROM cards WHERE listing_id = ?", (listing_id,)).fetchone()
    if found is None:
        return
    for statement in ("DELETE FROM words WHERE rowid = ?", "DELETE FROM map WHERE id = ?",
                      "DELETE FROM cards WHERE id = ?"):
        connection.execute(statement, found)


def _write(connection: sqlite3.Connection, document: Document) -> None:
    (row_id,) = connection.execute(_UPSERT, document.row).fetchone()
    connection.execute("DELETE FROM words WHERE rowid = ?", (row_id,))
    connection.execute("INSERT INTO words (rowid, title, description, place, features) "
                       "VALUES (:id, :title, :description, :place, :features)", {"id": row_id, **document.words})
    connection.execute("DELETE FROM map WHERE id = ?", (row_id,))
    if document.point is not None:
        latitude, longitude = document.point
        connection.execute("INSERT INTO map VALUES (?, ?, ?, ?, ?)", (row_id, latitude, latitude, longitude, longitude))


def put_listing(connection: sqlite3.Connection, listing: Listing | None, *, listing_id: str) -> None:
    """Make the index hold ``listing`` as it is now: its document if it is listed, nothing otherwise."""
    document = document_of(listing) if listing is not None else None
    with connection:
        if document is None:
            _remove(connection, listing_id)
        else:
            _write(connection, document)


def current_listings(listing_ids: Iterable[str]) -> dict[str, Listing]:
    """The listings as they are now (BatchGetItem, strongly consistent), by id; missing ones absent."""
    keys = [Listing.key(listing_id) for listing_id in dict.fromkeys(listing_ids)]
    found: dict[str, Listing] = {}
    for start in range(0, len(keys), _BATCH):
        for listing in Listing.batch_get(keys[start:start + _BATCH], consistent_read=True):
            found[listing.listing_id] = listing
    return found


def apply_changes(connection: sqlite3.Connection, listing_ids: Iterable[str]) -> int:
    """Bring these listings up to date in the index from the table; returns how many were read."""
    ids = list(dict.fromkeys(listing_ids))
    listings = current_listings(ids)
    for listing_id in ids:
        put_listing(connection, listings.get(listing_id), listing_id=listing_id)
    return len(ids)


def build_from_table() -> sqlite3.Connection:
    """The whole index from the table: the feed index names every listed listing (keys and card only),
    their full items come by BatchGetItem."""
    connection = empty()
    ids = [card.listing_id for card in Listing.feed()]
    for start in range(0, len(ids), _BATCH):
        batch = current_listings(ids[start:start + _BATCH])
        with connection:
            for listing in batch.values():
                document = document_of(listing)
                if document is not None:
                    _write(connection, document)
    return connection


def analysed(connection: sqlite3.Connection) -> sqlite3.Connection:
    """Statistics for the query planner (which index serves which search), refreshed before publishing."""
    connection.execute("ANALYZE")
    return connection


def size(connection: sqlite3.Connection) -> int:
    return connection.execute("SELECT count(*) FROM cards").fetchone()[0]
