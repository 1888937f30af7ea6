"""The canary's journey through the local HTTP API (the same handlers Lambda runs) on the emulator:
sign in -> search -> premium listing -> signed media URL; and each failing step named with exit 1.

In AWS the journey runs through CloudFront with CloudFront-signed URLs; here the same signed URLs go to
the local media edge, which verifies them as CloudFront does.
"""

from __future__ import annotations

import json

import pytest

from marketplace.config import settings
from ops.cli import main
from ops.synthetic import Journey, StepFailed
from tests.public_api.test_listing_detail import add_media
from tests.shared.agencies import licensed_agency
from tests.shared.listings import make_listing
from tests.shared.people import LISTER, PASSWORD, sign_up


@pytest.fixture
def premium_listing(api):
    licensed_agency(LISTER)  # a villa above Rs 3 crore in Sanepa needs a licensed agency
    listing = make_listing(LISTER, status="active", title="Premium villa in Sanepa", property_type="villa", neighborhood="sanepa",
                      price="9 crore", premium=True)
    add_media(listing.listing_id, kind="drone", premium=True, position=0)
    return listing


def _journey(api: str, platform, email: str, **changes) -> Journey:
    arguments = {"api": api, "client_id": platform.user_pool_client_id, "username": email, "password": PASSWORD,
                     "endpoint_url": settings().endpoint_url}
    return Journey(**{**arguments, **changes})


def test_the_whole_journey_succeeds_for_a_premium_buyer(api, platform, premium_listing, capsys):
    sign_up("premium@test.shikhar.np", ("buyers",), token=True, tier="premium")

    code = main(["synthetic", "--api", api, "--username", "premium@test.shikhar.np", "--password", PASSWORD])

    out = capsys.readouterr().out  # the in-process handlers print their metrics lines too
    result = json.loads(out[out.index('{\n  "ok"'):])
    assert code == 0
    assert result["listing_id"] == premium_listing.listing_id
    assert result["media_url"].endswith("/w1024.webp")
    assert set(result["timings_ms"]) == {"sign in", "search", "open premium listing", "fetch signed media"}


def test_a_wrong_password_fails_at_sign_in_with_exit_1(api, platform, capsys):
    sign_up("premium@test.shikhar.np", ("buyers",), token=True, tier="premium")

    code = main(["synthetic", "--api", api, "--username", "premium@test.shikhar.np", "--password", "Wrong-pass-123"])

    assert code == 1
    assert "FAILED at step 'sign in'" in capsys.readouterr().err


def test_no_premium_listing_fails_at_search(api, platform):
    sign_up("premium@test.shikhar.np", ("buyers",), token=True, tier="premium")

    with pytest.raises(StepFailed) as failure:
        _journey(api, platform, "premium@test.shikhar.np").run()

    assert failure.value.step == "search"
    assert failure.value.reason == "no premium listing in the search results"


def test_a_buyer_without_premium_fails_at_the_signed_media_step(api, platform, premium_listing):
    sign_up("free@test.shikhar.np", ("buyers",), token=True)

    with pytest.raises(StepFailed) as failure:
        _journey(api, platform, "free@test.shikhar.np").run()

    assert failure.value.step == "fetch signed media"
    assert "no unlocked premium media" in failure.value.reason


def test_an_api_that_is_down_fails_at_search_with_the_status(platform, gateway):
    sign_up("premium@test.shikhar.np", ("buyers",), token=True, tier="premium")

    with pytest.raises(StepFailed) as failure:
        _journey(f"{gateway.url}/nowhere", platform, "premium@test.shikhar.np").run()

    assert failure.value.step == "search"
    assert "answered 404" in failure.value.reason
