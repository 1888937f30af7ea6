"""People and listings for domain tests: the suite's shared actors and listing factory (``tests.shared``)."""

from __future__ import annotations

import pytest

from marketplace.actors import SYSTEM, Actor
from marketplace.lifecycle import Action
from tests.media_pipeline.conftest import uploads  # noqa: F401 - the media services' tests upload through it
from tests.shared.lifecycle import listing_act
from tests.shared.listings import make_listing, submit
from tests.shared.people import ADMIN, BROKER, BUYER, OTHER_BROKER, SECOND_ADMIN


@pytest.fixture
def broker() -> Actor:
    return BROKER


@pytest.fixture
def other_broker() -> Actor:
    return OTHER_BROKER


@pytest.fixture
def admin() -> Actor:
    return ADMIN


@pytest.fixture
def second_admin() -> Actor:
    return SECOND_ADMIN


@pytest.fixture
def buyer() -> Actor:
    return BUYER


@pytest.fixture
def system() -> Actor:
    return SYSTEM


@pytest.fixture
def draft(table, broker):
    return make_listing(broker)


@pytest.fixture
def pending(draft, broker):
    return submit(broker, draft.listing_id)


@pytest.fixture
def active(pending, admin):
    return listing_act(actor=admin, listing_id=pending.listing_id, action=Action.APPROVE)
