"""The one listing factory of the suite: listings made through the domain's own services (create, add the
photos a submission needs, submit, approve, each action at the version just read), by any broker, to any
status a test needs."""

from __future__ import annotations

from datetime import datetime

from marketplace.actors import Actor
from marketplace.lifecycle import Action, Status
from marketplace.listing_fields import MIN_PHOTOS
from marketplace.models import Listing
from marketplace.services import listings as listing_services
from marketplace.services.media import media_request_upload
from tests.shared.lifecycle import listing_act
from tests.shared.people import ADMIN

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


def submit(actor: Actor, listing_id: str) -> Listing:
    """Add the photos a submission needs, then submit."""
    add_photos(actor, listing_id)
    return listing_act(actor=actor, listing_id=listing_id, action=Action.SUBMIT)


def make_listing(owner: Actor, *, status: Status | str = Status.DRAFT, admin: Actor = ADMIN,
                 public_at: datetime | None = None, premium: bool | None = None, **fields) -> Listing:
    """A ``COMPLETE_HOUSE`` (with ``fields`` over it) by ``owner``: a draft, pending review, or approved by
    ``admin`` (active, or coming soon until ``public_at``, premium if told)."""
    status = Status(status)
    assert public_at is None or status == Status.COMING_SOON, "a public date is for a coming-soon listing"
    listing = listing_services.listing_create(actor=owner, fields={**COMPLETE_HOUSE, **fields})
    if status == Status.DRAFT:
        return listing
    listing = submit(owner, listing.listing_id)
    if status == Status.PENDING_REVIEW:
        return listing
    action = Action.APPROVE_COMING_SOON if status == Status.COMING_SOON else Action.APPROVE
    return listing_act(actor=admin, listing_id=listing.listing_id, action=action, public_at=public_at,
                       premium=premium)
