"""The ``inquiries_open`` feature flag, read through Powertools' feature flags utility from a file with the
AppConfig profile's schema (the emulator has no AppConfig data plane: moto implements AppConfig's control
plane only, not ``appconfigdata``, so the AppConfig store itself is exercised in AWS)."""

from __future__ import annotations

import json

import pytest
import requests

from marketplace.models import Inquiry
from public_api import flags
from tests.public_api.test_engagement import GOOD
from tests.shared.listings import make_listing


@pytest.fixture
def flags_file(tmp_path, monkeypatch):
    """A flags document of this test's own, in the same schema; returns a writer."""
    path = tmp_path / "feature_flags.json"
    monkeypatch.setenv(flags.FLAGS_FILE_VARIABLE, str(path))
    monkeypatch.delenv(flags.APPCONFIG_APPLICATION, raising=False)
    flags.feature_flags.cache_clear()

    def write(document: dict) -> None:
        path.write_text(json.dumps(document))

    write(json.loads(flags.FLAGS_FILE.read_text()))
    yield write
    flags.feature_flags.cache_clear()


def _inquire(api, person, listing_id, key):
    return requests.post(f"{api}/v1/listings/{listing_id}/inquiries", json=GOOD, timeout=30,
                         headers={**person.headers, "Idempotency-Key": key})


def test_with_inquiries_switched_off_an_inquiry_is_refused_with_503_and_nothing_is_written(
        api, market, buyer, flags_file):
    # Given the flag switched off
    flags_file({flags.INQUIRIES_OPEN: {"default": False}})

    # When a buyer sends an inquiry
    response = _inquire(api, buyer, market["public"].listing_id, "paused-0001")

    # Then it is refused, with when to try again, and nothing is stored
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "inquiries_paused"
    assert response.headers["Retry-After"] == "300"
    assert list(Inquiry.scan()) == []


def test_switching_inquiries_back_on_takes_effect_without_a_restart(api, market, buyer, flags_file):
    flags_file({flags.INQUIRIES_OPEN: {"default": False}})
    paused = _inquire(api, buyer, market["public"].listing_id, "switch-0001")

    flags_file({flags.INQUIRIES_OPEN: {"default": True}})
    reopened = _inquire(api, buyer, market["public"].listing_id, "switch-0002")

    assert (paused.status_code, reopened.status_code) == (503, 201)
    assert len(list(Inquiry.scan())) == 1


def test_a_rule_can_pause_inquiries_for_one_listing_only(api, lister, buyer, flags_file):
    paused, other = (make_listing(lister, status="active", title=title).listing_id for title in ("Paused house", "Open house"))
    flags_file({flags.INQUIRIES_OPEN: {"default": True, "rules": {"paused listing": {
        "when_match": False, "conditions": [{"action": "EQUALS", "key": "listing_id", "value": paused}]}}}})

    statuses = (_inquire(api, buyer, paused, "rule-0001").status_code,
                _inquire(api, buyer, other, "rule-0002").status_code)

    assert statuses == (503, 201)


def test_a_broken_flags_document_falls_back_to_the_default_and_inquiries_keep_working(
        api, market, buyer, flags_file):
    # Given a document that breaks the schema (a flag's default must be a boolean)
    flags_file({flags.INQUIRIES_OPEN: {"default": "no"}})

    response = _inquire(api, buyer, market["public"].listing_id, "broken-0001")

    assert response.status_code == 201


def test_in_aws_the_flags_come_from_the_appconfig_profile_named_by_the_environment(monkeypatch):
    for variable, value in ((flags.APPCONFIG_APPLICATION, "app1234"), (flags.APPCONFIG_ENVIRONMENT, "env5678"),
                            (flags.APPCONFIG_PROFILE, "prof9012")):
        monkeypatch.setenv(variable, value)
    flags.feature_flags.cache_clear()
    try:
        store = flags.feature_flags().store
    finally:
        flags.feature_flags.cache_clear()

    assert type(store).__name__ == "AppConfigStore"
    assert (store.application, store.environment, store.name) == ("app1234", "env5678", "prof9012")
    assert store.cache_seconds == flags.MAX_AGE_SECONDS
