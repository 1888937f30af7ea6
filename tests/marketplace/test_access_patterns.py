"""docs/data-model.md's access patterns: every function it names exists, and the foundation's
patterns return what the document says."""

import importlib
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from marketplace import models
from marketplace.entitlements import ANONYMOUS
from marketplace.errors import NotFound
from marketplace.lifecycle import Action
from marketplace.models import ReportScope
from marketplace.search_index import store  # noqa: F401 - its entity is named in the document
from marketplace.selectors import listings as sel
from marketplace.selectors.people import brokers_list, sellers_list
from marketplace.selectors.reports import daily_figures
from marketplace.services.daily_reports import roll_up_views
from marketplace.services.engagement import inquiry_create, listing_record_view
from marketplace.services.listings import listing_create
from marketplace.services.people import broker_profile_create, seller_create
from tests.shared import reads
from tests.shared.lifecycle import listing_act
from tests.shared.listings import COMPLETE_HOUSE, submit

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"


def _documented_code() -> list[str]:
    rows = [line for line in DOC.read_text().splitlines() if re.match(r"^\| \d+ \|", line)]
    return [re.findall(r"`([a-z_.]+)`", row.split("|")[4])[0] for row in rows]


def _documented_classmethods() -> list[str]:
    rows = [line for line in DOC.read_text().splitlines() if re.match(r"^\| \d+ \|", line)]
    return sorted({name for row in rows for name in re.findall(r"`([A-Za-z_.]+)`", row.split("|")[5])})


def test_every_documented_access_pattern_has_its_own_number():
    # Given the patterns' table (other pages and the code cite patterns by number)
    numbers = [line.split("|")[1].strip() for line in DOC.read_text().splitlines()
               if re.match(r"^\| \d+[a-z]? \|", line)]

    # Then no number names two patterns
    assert sorted(n for n in set(numbers) if numbers.count(n) > 1) == []


@pytest.mark.parametrize("dotted", _documented_code())
def test_every_documented_access_pattern_names_real_code(dotted):
    module, _, name = dotted.rpartition(".")
    assert callable(getattr(importlib.import_module(module), name))


@pytest.mark.parametrize("dotted", _documented_classmethods())
def test_every_documented_access_pattern_names_its_entitys_classmethod(dotted):
    entity, _, name = dotted.partition(".")
    assert callable(getattr(_entities()[entity], name))


def _entities() -> dict[str, type]:
    found, pending = {}, [models.Item]
    while pending:
        entity = pending.pop()
        found[entity.__name__] = entity
        pending.extend(entity.__subclasses__())
    return found


@pytest.fixture
def market(table, broker, other_broker, admin, buyer):
    seller = seller_create(actor=broker, name="Kiran Joshi", seller_id="seller-1")
    drafts = [listing_create(actor=broker, fields={**COMPLETE_HOUSE, "seller_id": seller.seller_id}) for _ in range(3)]
    theirs = listing_create(actor=other_broker, fields=COMPLETE_HOUSE)
    for listing in drafts[:2]:
        submit(broker, listing.listing_id)
    listing_act(actor=admin, listing_id=drafts[0].listing_id, action=Action.APPROVE)
    inquiry_create(actor=buyer, listing_id=drafts[0].listing_id, entitlements=ANONYMOUS, idempotency_key="k-000001",
                   name="Priya", email="p@example.com", message="When can I visit the house?")
    return {"active": drafts[0], "pending": drafts[1], "draft": drafts[2], "theirs": theirs, "seller": seller}


def test_moderation_and_status_lists(market):
    assert [l.listing_id for l in sel.listings_by_status(status="pending_review").items] == [market["pending"].listing_id]
    assert {l.listing_id for l in sel.listings_by_status(status="draft").items} == {
        market["draft"].listing_id, market["theirs"].listing_id}


def test_broker_inventory_and_counts(market, broker):
    mine = sel.listings_for_broker(broker_id=broker.user_id)
    assert {l.listing_id for l in mine.items} == {market[k].listing_id for k in ("active", "pending", "draft")}
    only_active = sel.listings_for_broker(broker_id=broker.user_id, status="active")
    assert [l.listing_id for l in only_active.items] == [market["active"].listing_id]
    counts = sel.broker_status_counts(broker_id=broker.user_id)
    assert (counts["active"], counts["pending_review"], counts["draft"], counts["closed"]) == (1, 1, 1, 0)


def test_pages_carry_a_cursor_that_continues(market, broker):
    first = sel.listings_for_broker(broker_id=broker.user_id, limit=2)
    second = sel.listings_for_broker(broker_id=broker.user_id, limit=2, cursor=first.cursor)
    assert len(first.items) == 2 and first.cursor
    assert len({l.listing_id for l in first.items + second.items}) == 3


def test_a_broker_reaching_another_brokers_listing_gets_not_found(market, broker, admin):
    with pytest.raises(NotFound):
        sel.listing_for_actor(listing_id=market["theirs"].listing_id, actor=broker)
    assert sel.listing_for_actor(listing_id=market["theirs"].listing_id, actor=admin).listing_id == market["theirs"].listing_id


def test_detail_is_the_listing_and_its_media_only(market):
    listing_record_view(listing_id=market["active"].listing_id, neighborhood="budhanilkantha")
    listing, media = sel.listing_with_media(listing_id=market["active"].listing_id)
    assert listing.listing_id == market["active"].listing_id
    assert [m.filename for m in media] == ["photo-1.jpg", "photo-2.jpg"]  # and not its stats or views


def test_seller_view_history_inquiries_and_views(market):
    assert {l.listing_id for l in sel.listings_for_seller(seller_id="seller-1")} == {
        market[k].listing_id for k in ("active", "pending", "draft")}
    assert [e.action for e in sel.listing_history(listing_id=market["active"].listing_id)] == ["approve", "submit", "create"]
    assert [i.name for i in reads.inquiries(market["active"].listing_id)] == ["Priya"]
    assert reads.stats(market["active"].listing_id).inquiries == 1
    today = datetime.now(UTC).date()
    listing_record_view(listing_id=market["active"].listing_id, neighborhood="budhanilkantha")
    roll_up_views(days=[today.isoformat()])
    (day,) = daily_figures(scope=ReportScope.VIEWS, since=today, until=today, attributes=["listings"])
    assert day.counts("listings") == {market["active"].listing_id: 1}
    assert reads.views(market["active"].listing_id, since=today - timedelta(days=1),
                             until=today) == {today.isoformat(): 1}
    assert reads.views(market["active"].listing_id, since=date(2020, 1, 1),
                             until=date(2020, 1, 2)) == {}


def test_directories(market, admin):
    broker_profile_create(actor=admin, broker_id="b9", name="Zed Broker", email="z@x.np", licence_number="L-999",
                          company="Zed Realty")
    broker_profile_create(actor=admin, broker_id="b8", name="Anita Broker", email="a@x.np", licence_number="L-998",
                          company="A Realty")
    assert [b.name for b in brokers_list().items] == ["Anita Broker", "Zed Broker"]
    assert [s.name for s in sellers_list()] == ["Kiran Joshi"]
