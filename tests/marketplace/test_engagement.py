from datetime import UTC, datetime, timedelta

import pytest

from marketplace.entitlements import ANONYMOUS, Entitlements
from marketplace.errors import NotFound, ValidationError
from marketplace.lifecycle import Action
from marketplace.models import Favorite
from marketplace.services.engagement import (
    favorite_add,
    favorite_remove,
    inquiry_create,
    listing_record_view,
    visible_listing,
)
from marketplace.services.listings import listing_create
from tests.shared import reads
from tests.shared.lifecycle import listing_act
from tests.shared.listings import COMPLETE_HOUSE, submit

LATER = datetime.now(UTC) + timedelta(days=30)
PREMIUM = Entitlements(tier="premium", expires_at=LATER, active=True)
INVESTOR = Entitlements(tier="investor", expires_at=LATER, active=True)
EXPIRED_INVESTOR = Entitlements(tier="investor", expires_at=datetime.now(UTC) - timedelta(seconds=1), active=False)


def _published(broker, admin, *, coming_soon=False, **fields):
    listing = listing_create(actor=broker, fields={**COMPLETE_HOUSE, **fields})
    submit(broker, listing.listing_id)
    if coming_soon:
        return listing_act(actor=admin, listing_id=listing.listing_id, action=Action.APPROVE_COMING_SOON,
                           public_at=datetime.now(UTC) + timedelta(days=10))
    return listing_act(actor=admin, listing_id=listing.listing_id, action=Action.APPROVE)


def test_favorites_are_idempotent_and_counted(active, buyer):
    assert favorite_add(actor=buyer, listing_id=active.listing_id, entitlements=ANONYMOUS) is True
    assert favorite_add(actor=buyer, listing_id=active.listing_id, entitlements=ANONYMOUS) is False
    assert reads.stats(active.listing_id).favorites == 1
    assert [f.listing_id for f in Favorite.query(f"USER#{buyer.user_id}")] == [active.listing_id]
    assert favorite_remove(actor=buyer, listing_id=active.listing_id) is True
    assert favorite_remove(actor=buyer, listing_id=active.listing_id) is False
    assert reads.stats(active.listing_id).favorites == 0


def test_who_sees_what(table, broker, admin):
    exclusive = _published(broker, admin, exclusive=True)
    early = _published(broker, admin, coming_soon=True)
    public = _published(broker, admin)
    draft = listing_create(actor=broker, fields=COMPLETE_HOUSE)
    cases = [
        (public, ANONYMOUS, True), (public, EXPIRED_INVESTOR, True),
        (early, ANONYMOUS, False), (early, PREMIUM, True), (early, INVESTOR, True), (early, EXPIRED_INVESTOR, False),
        (exclusive, ANONYMOUS, False), (exclusive, PREMIUM, False), (exclusive, INVESTOR, True),
        (exclusive, EXPIRED_INVESTOR, False), (draft, INVESTOR, False),
    ]
    for listing, rights, visible in cases:
        if visible:
            assert visible_listing(listing_id=listing.listing_id, entitlements=rights).listing_id == listing.listing_id
        else:
            with pytest.raises(NotFound):
                visible_listing(listing_id=listing.listing_id, entitlements=rights)


def test_nobody_favorites_what_they_cannot_see(table, broker, admin, buyer):
    exclusive = _published(broker, admin, exclusive=True)
    with pytest.raises(NotFound):
        favorite_add(actor=buyer, listing_id=exclusive.listing_id, entitlements=PREMIUM)


def test_an_inquiry_is_stored_once_per_idempotency_key(active, buyer, broker):
    args = {"actor": buyer, "listing_id": active.listing_id, "entitlements": ANONYMOUS, "idempotency_key": "key-0001",
            "name": "Priya Gurung", "phone": "+977 9812345678", "message": "Can I visit on Saturday morning?"}
    first, created = inquiry_create(**args)
    again, created_again = inquiry_create(**args)
    assert created and not created_again and again.inquiry_id == first.inquiry_id
    assert [i.inquiry_id for i in reads.inquiries(active.listing_id)] == [first.inquiry_id]
    assert reads.stats(active.listing_id).inquiries == 1
    assert first.broker_id == broker.user_id


def test_bad_inquiries_name_every_bad_field_and_store_nothing(active, buyer):
    with pytest.raises(ValidationError) as caught:
        inquiry_create(actor=buyer, listing_id=active.listing_id, entitlements=ANONYMOUS, idempotency_key="key-0002",
                       name="P", phone="call me", email="not-an-email", message="hi")
    assert set(caught.value.errors) == {"name", "phone", "email", "message"}
    with pytest.raises(ValidationError) as caught:
        inquiry_create(actor=buyer, listing_id=active.listing_id, entitlements=ANONYMOUS, idempotency_key="?",
                       name="Priya", email="p@example.com", message="A proper message here")
    assert caught.value.field == "idempotency_key"
    assert reads.inquiries(active.listing_id) == []




def test_views_are_counted_per_day(active):
    for _ in range(3):
        listing_record_view(listing_id=active.listing_id, neighborhood="budhanilkantha", day="2026-11-27")
    listing_record_view(listing_id=active.listing_id, neighborhood="budhanilkantha", day="2026-11-28")
    assert reads.views(active.listing_id, since=datetime(2026, 11, 1).date(),
                         until=datetime(2026, 11, 30).date()) == {"2026-11-27": 3, "2026-11-28": 1}
