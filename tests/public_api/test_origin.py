"""With the edge's origin secret configured (as in AWS), the API answers only requests carrying it: a call
to the API's own address is refused, a request through the edge (header added) is served, and a rotated
secret is taken up without refusing the edge's requests."""

from __future__ import annotations

import pytest

from marketplace.aws import client
from marketplace.deployment import ORIGIN_VERIFY_HEADER, Env
from public_api import origin
from tests.public_api.conftest import get

SECRET = "shikhar/test/origin-verify"


@pytest.fixture
def guarded(api, monkeypatch):
    """The API with an origin secret, read as a function's init reads it."""
    client("secretsmanager").create_secret(Name=SECRET, SecretString="first-origin-value")
    monkeypatch.setenv(Env.ORIGIN_VERIFY_SECRET, SECRET)
    origin.load()
    yield api
    monkeypatch.delenv(Env.ORIGIN_VERIFY_SECRET)
    origin.reset()


def test_a_request_without_the_origin_header_is_refused(guarded):
    response = get(guarded, "/v1/neighborhoods")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_a_request_with_a_wrong_origin_header_is_refused(guarded):
    response = get(guarded, "/v1/neighborhoods", headers={ORIGIN_VERIFY_HEADER: "first-origin-valuX"})

    assert response.status_code == 403


def test_a_request_through_the_edge_is_served(guarded):
    response = get(guarded, "/v1/neighborhoods", headers={ORIGIN_VERIFY_HEADER: "first-origin-value"})

    assert response.status_code == 200


def test_after_a_rotation_the_new_value_is_served_and_the_previous_still_is(guarded, monkeypatch):
    client("secretsmanager").put_secret_value(SecretId=SECRET, SecretString="second-origin-value")
    # The edge sends the new value minutes after the rotation (a deploy): past the re-read interval.
    monkeypatch.setattr(origin, "RELOAD_SECONDS", 0)

    new = get(guarded, "/v1/neighborhoods", headers={ORIGIN_VERIFY_HEADER: "second-origin-value"})
    previous = get(guarded, "/v1/neighborhoods", headers={ORIGIN_VERIFY_HEADER: "first-origin-value"})

    assert (new.status_code, previous.status_code) == (200, 200)


def test_without_a_configured_secret_nothing_is_checked(api):
    assert get(api, "/v1/neighborhoods").status_code == 200
