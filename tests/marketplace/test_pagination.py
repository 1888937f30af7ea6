import hashlib
import hmac

import pytest

from marketplace import pagination
from marketplace.aws import client
from marketplace.config import reload_settings
from marketplace.errors import ValidationError
from marketplace.pagination import decode_cursor, encode_cursor

KEY = {"pk": {"S": "LISTING#1"}, "sk": {"S": "METADATA"}}


def test_a_cursor_round_trips_within_its_scope():
    cursor = encode_cursor(KEY, scope="gsi4:FEED")
    assert decode_cursor(cursor, scope="gsi4:FEED") == KEY
    assert encode_cursor(None, scope="gsi4:FEED") is None and decode_cursor(None, scope="x") is None


@pytest.mark.parametrize("mangle", [
    lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),  # signature changed
    lambda c: c.replace(".", "x"),  # structure broken
    lambda c: "eyJzIjoiZ3NpNDpGRUVEIiwiayI6e319." + c.split(".")[1],  # body swapped
    lambda c: "not a cursor",
])
def test_a_tampered_cursor_is_refused_naming_the_field(mangle):
    cursor = encode_cursor(KEY, scope="gsi4:FEED")
    with pytest.raises(ValidationError) as caught:
        decode_cursor(mangle(cursor), scope="gsi4:FEED", field_name="cursor")
    assert caught.value.field == "cursor"


def test_a_cursor_cannot_be_replayed_on_another_partition():
    cursor = encode_cursor(KEY, scope="gsi2:MKT#sanepa")
    with pytest.raises(ValidationError, match="different query"):
        decode_cursor(cursor, scope="gsi2:MKT#bansbari")


def test_in_aws_the_key_comes_from_secrets_manager_and_is_required(platform, monkeypatch):
    # Given a deployed environment with no key configured, signing refuses rather than use a known key
    monkeypatch.setenv("SHIKHAR_ENV", "prod")
    reload_settings()
    with pytest.raises(RuntimeError, match="SHIKHAR_CURSOR_SECRET"):
        encode_cursor(KEY, scope="s")
    # When the key is a secret, cursors signed with it do not verify under the local key
    arn = client("secretsmanager").create_secret(Name="shikhar/prod/cursor-key", SecretString="k" * 48)["ARN"]
    monkeypatch.setenv("SHIKHAR_CURSOR_SECRET", arn)
    cursor = encode_cursor(KEY, scope="s")
    assert decode_cursor(cursor, scope="s") == KEY
    monkeypatch.delenv("SHIKHAR_CURSOR_SECRET")
    monkeypatch.setenv("SHIKHAR_ENV", "test")
    reload_settings()
    with pytest.raises(ValidationError):
        decode_cursor(cursor, scope="s")
    pagination._secret_key.cache_clear()


def _signed(body: bytes) -> str:
    """A cursor signed with the right key around a body the platform never writes."""
    signature = hmac.new(pagination.cursor_key(), body, hashlib.sha256).digest()[:16]
    return f"{pagination._b64(body)}.{pagination._b64(signature)}"


@pytest.mark.parametrize("body", [
    b"not json", b"[1, 2]", b"null", b'{"s": "gsi4:FEED"}', b'{"s": "gsi4:FEED", "k": "x"}',
    b'{"s": "gsi4:FEED", "k": {"pk": "LISTING#1", "sk": "METADATA"}}',
    b'{"s": "gsi4:FEED", "k": {"pk": {"N": "1"}, "sk": {"S": "METADATA"}}}',
    b'{"s": "gsi4:FEED", "k": {"pk": {"S": "LISTING#1"}}}',
    b'{"s": "gsi4:FEED", "k": {"pk": {"S": "L"}, "sk": {"S": "M"}, "price": {"S": "1"}}}',
])
def test_a_correctly_signed_but_malformed_cursor_is_refused_naming_the_field(body):
    with pytest.raises(ValidationError) as caught:
        decode_cursor(_signed(body), scope="gsi4:FEED", field_name="cursor")
    assert caught.value.field == "cursor"
