"""Seed data for the DR drills: real entities written with the domain models to the emulator's table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.models import Favorite, Inquiry, UserProfile
from tests.media_pipeline.conftest import uploads  # noqa: F401 - the media migration's tests upload through it
from tests.shared.people import BROKER


@pytest.fixture
def seeded(table) -> dict[str, int]:
    """12 people, 24 favorites and 6 inquiries, all last changed an hour ago; returns counts per entity."""
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    for n in range(12):
        user = UserProfile(user_id=f"user-{n:02d}", email=f"buyer{n:02d}@example.com", name=f"Buyer {n}",
                           groups=["buyers"], created_at=hour_ago, updated_at=hour_ago)
        user.derive_keys()
        user.save()
        for m in range(2):
            favorite = Favorite(user_id=user.user_id, listing_id=f"listing-{(n + m) % 7}", created_at=hour_ago)
            favorite.derive_keys()
            favorite.save()
    for n in range(6):
        inquiry = Inquiry(inquiry_id=f"inq-{n}", listing_id=f"listing-{n}", broker_id=BROKER.user_id,
                          buyer_id=f"user-{n:02d}", name=f"Buyer {n}", message="Can I visit on Saturday?",
                          created_at=hour_ago)
        inquiry.derive_keys()
        inquiry.save()
    return {"Favorite": 24, "Inquiry": 6, "UserProfile": 12}
