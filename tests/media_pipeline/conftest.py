"""Media pipeline fixtures: a listing with its broker on a fresh platform (see helpers)."""

from __future__ import annotations

import pytest

from tests.media_pipeline.helpers import Uploads, make_listing


@pytest.fixture
def uploads(platform) -> Uploads:
    return Uploads(make_listing())


@pytest.fixture
def premium_uploads(platform) -> Uploads:
    return Uploads(make_listing(premium=True))
