"""The index's schema, its build from the table and the change of one listing.

``cards`` holds one row per listed listing (its filter and order columns only, so that counting and
ordering read a narrow table: about 100 bytes a row against the card's 1-2 KB); ``bodies`` the card
itself, read only for the page's rows; ``words`` is
an FTS5 table over title, description, neighbourhood names (Latin and Devanagari) and features, with
the card's rowid. A card's map point (``lat``, ``lng``, and ``x``, ``y``, ``z`` on the unit sphere) is in
``cards`` too: a circle of a few km covers most of the valley, where an R*Tree returned its candidates
at ~1 us each (10 ms for a 5 km circle at 10,000 listings) against a scan of the narrow table with plain
comparisons (~1 ms), and a small box ranges over the ``(lat, lng)`` index. ``terms`` holds the same words
as FTS5 tokenises them, in order, one string per group of columns: a search whose filters leave few cards
checks its words in those strings (``instr``, ~1 us a card) instead of listing every match of a common
word (~0.4 us a match, 5,000 of them). Everything lives in one in-memory database, serialised whole to
publish it.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Iterable

from marketplace.models import Listing
from marketplace.search_index.documents import FIELD_COLUMNS, Document, document_of, field_column

SCHEMA_VERSION = 8  # 5: cards carry the broker (their agency) and the last confirmation; 6: terms; 7: masks;
# 8: bodies carry the card as presented and what the guard reads
TOKENIZER = "unicode61 remove_diacritics 2"
# The most common terms each have a bit in a card's masks (63 a column, so a mask stays a positive 64-bit
# integer): a word whose every term has a bit is matched by ``c.m0 & :bits`` in the scan of ``cards`` (or of
# its covering index), ~0.05 us a card, instead of listing its thousands of full-text matches (~0.4 us
# each). The bits are chosen by ``analysed`` (before each publish) and stay fixed between: a term first
# seen after it has no bit, and a word that needs it is matched by the full-text index.
MASKS, BITS = ("m0", "m1", "m2"), 63
# The row of a card: its id, the listing fields searches use (``documents.FIELD_COLUMNS``, typed by their
# specification), then what the index derives (visibility, order, facets, the map point).
_CARD_COLUMNS = ("listing_id TEXT NOT NULL UNIQUE", *(field_column(c) for c in FIELD_COLUMNS), "status TEXT NOT NULL",
                 "price INTEGER", "premium INTEGER NOT NULL", "exclusive INTEGER NOT NULL", "public_at REAL",
                 "published REAL NOT NULL", "per_ropani REAL", "price_band TEXT NOT NULL", "lat REAL", "lng REAL",
                 "x REAL", "y REAL", "z REAL", *(f"{mask} INTEGER NOT NULL DEFAULT 0" for mask in MASKS))
# Totals and facets read this index alone, in its order: every column but the listing id, the facets'
# four first, so counting every combination of their values walks it with no sort (a GROUP BY over the
# table sorted every match: 6-9 ms for the whole market at 10,000 listings, 1.2 ms this way).
FACETS = ("neighborhood", "property_type", "bedrooms", "price_band")
_COVERING = (*FACETS, *(c.split()[0] for c in _CARD_COLUMNS[1:] if c.split()[0] not in FACETS))
_SCHEMA = f"""
CREATE TABLE cards (id INTEGER PRIMARY KEY, {', '.join(_CARD_COLUMNS)});
-- The card: as stored in the table (``card``; beside a presented card, only what the neighbourhood figures read), as
-- buyers see it (``presented``, when the writer presents it) and
-- what ``can_see`` and the per-request parts read (``guard``): a page validates the presented JSON (~13 us a
-- card) instead of deserialising and presenting the card (~60-90 us).
CREATE TABLE bodies (id INTEGER PRIMARY KEY, card TEXT NOT NULL, presented TEXT, guard TEXT NOT NULL);
CREATE INDEX cards_newest ON cards (-published, listing_id);
CREATE INDEX cards_price_asc ON cards ((price IS NULL), coalesce(price, 0), listing_id);
CREATE INDEX cards_price_desc ON cards ((price IS NULL), -coalesce(price, 0), listing_id);
CREATE INDEX cards_per_ropani ON cards ((per_ropani IS NULL), coalesce(per_ropani, 0), listing_id);
CREATE INDEX cards_land_desc ON cards ((land_sqft IS NULL), -coalesce(land_sqft, 0), listing_id);
CREATE INDEX cards_neighborhood ON cards (neighborhood, -published);
CREATE INDEX cards_place ON cards (lat, lng);
CREATE INDEX cards_facets ON cards ({', '.join(_COVERING)});
-- The words' tokens by column group, each string " t1 t2 ... " (title, then a newline, then the neighbourhood's
-- names, in ``strong``; features; description): a phrase of the query is " t1 t2" in one of them.
CREATE TABLE terms (id INTEGER PRIMARY KEY, strong TEXT NOT NULL, featured TEXT NOT NULL, other TEXT NOT NULL);
CREATE TABLE common (term TEXT PRIMARY KEY, bit INTEGER NOT NULL);
-- Prefix indexes for 2, 3 and 4 letters: "view"* otherwise merges the lists of view, views, viewing...
-- (every description says "viewing"): 1.6 ms for "himalaya view" at 10,000 listings, 0.5 ms with them.
CREATE VIRTUAL TABLE words USING fts5(title, description, place, features,
                                      tokenize = "{TOKENIZER}", prefix = '2 3 4');
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Scratch tables (in ``temp``, never serialised) that tokenise text exactly as ``words`` does.
_SCRATCH = f"""
CREATE VIRTUAL TABLE IF NOT EXISTS temp.scratch USING fts5(text, tokenize = "{TOKENIZER}");
CREATE VIRTUAL TABLE IF NOT EXISTS temp.scratch_terms USING fts5vocab(temp, scratch, instance);
CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocabulary USING fts5vocab(main, words, row);
CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocabulary_columns USING fts5vocab(main, words, col);
"""
_COLUMNS = tuple(c.split()[0] for c in _CARD_COLUMNS if c.split()[0] not in MASKS)  # the masks are written apart
_UPSERT = (f"INSERT INTO cards ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)}) "
           f"ON CONFLICT (listing_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _COLUMNS[1:])} "
           "RETURNING id")
_BATCH = 100  # BatchGetItem's limit


def unit_vector(latitude: float, longitude: float) -> tuple[float, float, float]:
    """The point on the unit sphere: the straight-line (chord) distance between two of them orders
    points exactly as the great-circle distance does, with arithmetic alone in SQL."""
    lat, lng = math.radians(latitude), math.radians(longitude)
    return math.cos(lat) * math.cos(lng), math.cos(lat) * math.sin(lng), math.sin(lat)


class Index(sqlite3.Connection):
    """An index's connection: it also keeps what the query planner learnt of it (``query.statistics``)."""

    statistics: tuple[int, object] | None = None  # (``changes`` when computed, the statistics)
    scratch_changes = 0  # rows the scratch tables wrote and deleted: not a change of the index
    common: dict[str, int] | None = None  # the common terms' bits, once read (``_bits``)
    bitsets: tuple[int, object] | None = None  # (``changes`` when built, ``bitsets.Bitsets``)

    @property
    def changes(self) -> int:
        """Rows the index's own tables changed since it was opened."""
        return self.total_changes - self.scratch_changes


def connect() -> Index:
    return sqlite3.connect(":memory:", check_same_thread=False, factory=Index)


def scratch(connection: sqlite3.Connection) -> None:
    """The temporary tables that tokenise text and read the words' vocabulary: made with the index, and
    again when a published version is opened (``temp`` is not serialised)."""
    connection.executescript(_SCRATCH)


def tokens(connection: sqlite3.Connection, texts: Iterable[str]) -> list[list[str]]:
    """Each text's tokens, in order, as ``words`` tokenises them (folded case, accents removed, Devanagari
    split as FTS5 splits it)."""
    texts, before = list(texts), connection.total_changes
    connection.executemany("INSERT INTO temp.scratch (rowid, text) VALUES (?, ?)", enumerate(texts))
    found: list[list[str]] = [[] for _ in texts]
    for term, doc in connection.execute("SELECT term, doc FROM temp.scratch_terms ORDER BY doc, offset"):
        found[doc].append(term)
    connection.execute("DELETE FROM temp.scratch")
    if isinstance(connection, Index):
        connection.scratch_changes += connection.total_changes - before
    return found


def _terms(connection: sqlite3.Connection, words: dict) -> tuple[str, str, str]:
    """The ``terms`` row of a document's words: (strong, featured, other)."""
    title, place, features, description = (f" {' '.join(found)} " for found in tokens(
        connection, (words["title"], words["place"], words["features"], words["description"])))
    return f"{title}\n{place}", features, description


def masks_of(bits: dict[str, int], terms: Iterable[str]) -> dict[str, int]:
    """A card's masks: the bit of each of its terms that has one."""
    values = dict.fromkeys(MASKS, 0)
    for bit in {bits[term] for term in terms if term in bits}:
        values[MASKS[bit // BITS]] |= 1 << (bit % BITS)
    return values


def _bits(connection: sqlite3.Connection) -> dict[str, int]:
    """The common terms' bits (kept on the connection: only ``_choose_common`` changes them)."""
    kept = getattr(connection, "common", None)
    if kept is None:
        kept = dict(connection.execute("SELECT term, bit FROM common"))
        if isinstance(connection, Index):
            connection.common = kept
    return kept


def _choose_common(connection: sqlite3.Connection) -> None:
    """Give the most common terms a bit and rewrite every card's masks, when that choice changed."""
    ranked = connection.execute("SELECT term FROM temp.vocabulary ORDER BY doc DESC, term LIMIT ?",
                                (len(MASKS) * BITS,)).fetchall()
    chosen = {term: bit for bit, (term,) in enumerate(ranked)}
    if chosen == _bits(connection):
        return
    with connection:
        connection.execute("DELETE FROM common")
        connection.executemany("INSERT INTO common VALUES (?, ?)", chosen.items())
        connection.executemany(f"UPDATE cards SET {', '.join(f'{m} = :{m}' for m in MASKS)} WHERE id = :id", (
            {"id": row_id, **masks_of(chosen, " ".join(texts).split())}
            for row_id, *texts in connection.execute("SELECT id, strong, featured, other FROM terms").fetchall()))
    if isinstance(connection, Index):
        connection.common = chosen


def empty() -> sqlite3.Connection:
    connection = connect()
    connection.executescript(_SCHEMA + _SCRATCH)
    connection.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
    return connection


def mark_cards(connection: sqlite3.Connection, cards: str) -> None:
    """Record the shape the index's cards were presented for (the writer's ``CardPresenter.fingerprint``)."""
    with connection:
        connection.execute("INSERT OR REPLACE INTO meta VALUES ('cards', ?)", (cards,))


def cards_of(connection: sqlite3.Connection) -> str | None:
    """The shape the index's cards were presented for; None for an index built without presented cards."""
    found = connection.execute("SELECT value FROM meta WHERE name = 'cards'").fetchone()
    return found[0] if found else None


def _remove(connection: sqlite3.Connection, listing_id: str) -> None:
    found = connection.execute("SELECT id FROM cards WHERE listing_id = ?", (listing_id,)).fetchone()
    if found is None:
        return
    for statement in ("DELETE FROM words WHERE rowid = ?", "DELETE FROM terms WHERE id = ?", "DELETE FROM bodies WHERE id = ?",
                      "DELETE FROM cards WHERE id = ?"):
        connection.execute(statement, found)


def _write(connection: sqlite3.Connection, document: Document) -> None:
    point = document.point
    place = dict(zip(("lat", "lng", "x", "y", "z"), (*point, *unit_vector(*point)) if point else (None,) * 5,
                     strict=True))
    (row_id,) = connection.execute(_UPSERT, {**document.row, **place}).fetchone()
    connection.execute("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?, ?)",
                       (row_id, document.card, document.presented, document.guard))
    connection.execute("DELETE FROM words WHERE rowid = ?", (row_id,))
    connection.execute("INSERT INTO words (rowid, title, description, place, features) "
                       "VALUES (:id, :title, :description, :place, :features)", {"id": row_id, **document.words})
    terms = _terms(connection, document.words)
    connection.execute("INSERT OR REPLACE INTO terms VALUES (?, ?, ?, ?)", (row_id, *terms))
    connection.execute(f"UPDATE cards SET {', '.join(f'{m} = :{m}' for m in MASKS)} WHERE id = :id",
                       {"id": row_id, **masks_of(_bits(connection), " ".join(terms).split())})


Present = Callable[[Listing], str]  # a listing's card as buyers see it (``documents.document_of``)


def put_listing(connection: sqlite3.Connection, listing: Listing | None, *, listing_id: str,
                present: Present | None = None) -> None:
    """Make the index hold ``listing`` as it is now: its document if it is listed, nothing otherwise."""
    document = document_of(listing, present=present) if listing is not None else None
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


def apply_changes(connection: sqlite3.Connection, listing_ids: Iterable[str], *, present: Present | None = None) -> int:
    """Bring these listings up to date in the index from the table; returns how many were read."""
    ids = list(dict.fromkeys(listing_ids))
    listings = current_listings(ids)
    for listing_id in ids:
        put_listing(connection, listings.get(listing_id), listing_id=listing_id, present=present)
    return len(ids)


def build_from_table(*, present: Present | None = None) -> sqlite3.Connection:
    """The whole index from the table: the feed index names every listed listing (keys and card only),
    their full items come by BatchGetItem."""
    connection = empty()
    ids = [card.listing_id for card in Listing.feed()]
    for start in range(0, len(ids), _BATCH):
        batch = current_listings(ids[start:start + _BATCH])
        with connection:
            for listing in batch.values():
                document = document_of(listing, present=present)
                if document is not None:
                    _write(connection, document)
    return connection


def analysed(connection: sqlite3.Connection) -> sqlite3.Connection:
    """Statistics for the query planner (which index serves which search) and the common terms' bits,
    refreshed before publishing."""
    _choose_common(connection)
    connection.execute("ANALYZE")
    return connection


def size(connection: sqlite3.Connection) -> int:
    return connection.execute("SELECT count(*) FROM cards").fetchone()[0]
