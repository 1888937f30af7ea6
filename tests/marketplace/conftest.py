"""People and listings for domain tests, made through the domain's own services."""

from __future__ import annotations

import pytest

from marketplace.actors import SYSTEM, Actor, Group
from marketplace.lifecycle import Action
from marketplace.listing_fields import MIN_PHOTOS
from marketplace.services import listings as listing_services
from marketplace.services.media import media_request_upload
from tests.media_pipeline.conftest import uploads  # noqa: F401 - the media services' tests upload through it
from tests.shared.lifecycle import listing_act

COMPLETE_HOUSE = {
    "title": "Four-bedroom house with Himalaya view",
    "description": "Bright 2.5-storey house on a quiet lane, garden and solar.",
    "property_type": "house", "purpose": "sale", "price": "4.5 crore", "neighborhood": "budhanilkantha",
    "latitude": "27.7781", "longitude": "85.3620", "land_area_sqft": "0-8-0-0", "built_up_area_sqft": "3200 sqft",
    "bedrooms": 4, "bathrooms": 4, "storeys": "2.5", "parking": 2, "road_width_ft": 20,
    "road_surface": "blacktopped", "facing": "S", "year_built": 2019, "furnishing": "semi_furnished",
    "amenities": ["garden", "solar"],
}


def add_photos(actor: Actor, listing_id: str, count: int = MIN_PHOTOS) -> None:
    """The photos a listing needs before it can be submitted, as a broker's browser asks for them (the
    files themselves are the media pipeline's business, tested there)."""
    for n in range(count):
        media_request_upload(listing_id=listing_id, kind="photo", actor=actor, content_type="image/jpeg",
                             size=250_000, filename=f"photo-{n + 1}.jpg")


def submit(actor: Actor, listing_id: str):
    """Add the photos a submission needs, then submit."""
    add_photos(actor, listing_id)
    return listing_act(actor=actor, listing_id=listing_id, action=Action.SUBMIT)


@pytest.fixture
def broker() -> Actor:
    return Actor(user_id="broker-1", email="broker@demo.shikhar.np", groups=frozenset({Group.BROKERS}))


@pytest.fixture
def other_broker() -> Actor:
    return Actor(user_id="broker-2", email="other@demo.shikhar.np", groups=frozenset({Group.BROKERS}))


@pytest.fixture
def admin() -> Actor:
    return Actor(user_id="admin-1", email="admin@demo.shikhar.np", groups=frozenset({Group.ADMINS}))


@pytest.fixture
def second_admin() -> Actor:
    return Actor(user_id="admin-2", email="admin2@demo.shikhar.np", groups=frozenset({Group.ADMINS}))


@pytest.fixture
def buyer() -> Actor:
    return Actor(user_id="buyer-1", email="buyer@demo.shikhar.np", groups=frozenset({Group.BUYERS}))


@pytest.fixture
def system() -> Actor:
    return SYSTEM


@pytest.fixture
def draft(table, broker):
    return listing_services.listing_create(actor=broker, fields=COMPLETE_HOUSE)


@pytest.fixture
def pending(draft, broker):
    return submit(broker, draft.listing_id)


@pytest.fixture
def active(pending, admin):
    return listing_act(actor=admin, listing_id=pending.listing_id, action=Action.APPROVE)
