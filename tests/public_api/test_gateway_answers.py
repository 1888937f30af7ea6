"""API Gateway's own answers (authorizer, payload limit, throttling) are in the OpenAPI document exactly
as the gateway sends them, and the local gateway sends exactly those bodies."""

from __future__ import annotations

import json

import jsonschema
import pytest
import requests

from local.gateway import MAX_PAYLOAD, Gateway, Throttle
from public_api.openapi import DOCUMENT, GATEWAY_MESSAGES
from public_api.routes import ROUTES

SCHEMA = json.loads(DOCUMENT.read_text())


def _response_schema(route, status: int) -> dict:
    """The documented body of one answer, with the document's components to resolve references."""
    response = SCHEMA["paths"][route.path][route.method.lower()]["responses"][str(status)]
    return {**response["content"]["application/json"]["schema"], "components": SCHEMA["components"]}


@pytest.mark.parametrize("route", [r for r in ROUTES if r.documented], ids=lambda r: r.route_key)
def test_every_operation_documents_the_gateways_own_answers(route):
    expected = (401, 403, 413, 429) if route.signed_in else (413, 429)
    for status in expected:
        schema = _response_schema(route, status)
        jsonschema.validate({"message": GATEWAY_MESSAGES[status]}, schema)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"message": GATEWAY_MESSAGES[status], "extra": 1}, {
                **SCHEMA["components"]["schemas"]["GatewayError"]})


def test_the_local_gateway_sends_exactly_the_documented_401_and_413(api, market):
    inquiries = next(r for r in ROUTES if r.path.endswith("/inquiries"))
    url = f"{api}/v1/listings/{market['public'].listing_id}/inquiries"

    unauthorized = requests.post(url, json={}, timeout=30)
    too_large = requests.post(url, data=b"x" * (MAX_PAYLOAD + 1), timeout=60,
                              headers={"Authorization": "Bearer x", "Content-Type": "application/json"})

    assert (unauthorized.status_code, unauthorized.json()) == (401, {"message": "Unauthorized"})
    assert (too_large.status_code, too_large.json()) == (413, {"message": "Request Entity Too Large"})
    jsonschema.validate(unauthorized.json(), _response_schema(inquiries, 401))
    jsonschema.validate(too_large.json(), _response_schema(inquiries, 413))


def test_the_local_gateway_throttles_as_the_stage_does_with_the_documented_429(api, market):
    feed = next(r for r in ROUTES if r.path == "/v1/feed")
    throttled = Gateway(port=0, throttle=Throttle(rate=0.001, burst=2)).start()
    try:
        answers = [requests.get(f"{throttled.url}/v1/feed", timeout=30) for _ in range(3)]
    finally:
        throttled.stop()

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json() == {"message": "Too Many Requests"}
    jsonschema.validate(answers[2].json(), _response_schema(feed, 429))
