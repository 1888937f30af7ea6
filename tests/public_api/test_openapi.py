"""The OpenAPI document: generated from the code, committed, complete, served outside production,
and honoured by the running API (schemathesis through the gateway, a bounded number of examples)."""

from __future__ import annotations

import json
import tempfile

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace.ids import is_id
from public_api.openapi import DOCUMENT, rendered
from public_api.routes import ROUTES

EXAMPLES = 12  # per operation and role: enough to find a 5xx or a schema mismatch, small enough for the suite
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="hypothesis-"))  # its caches stay out of the working tree


def test_the_committed_document_is_what_the_code_generates():
    assert DOCUMENT.read_text() == rendered(), "run `python -m public_api.openapi` and commit openapi.json"


def test_the_document_covers_every_route_and_no_other():
    paths = json.loads(DOCUMENT.read_text())["paths"]
    documented = {f"{method.upper()} {path}" for path, operations in paths.items() for method in operations}
    assert documented == {route.route_key for route in ROUTES if route.documented}


def test_swagger_ui_and_the_document_are_served_outside_production(api):
    page = requests.get(f"{api}/docs", timeout=30)
    document = requests.get(f"{api}/openapi.json", timeout=30)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "SwaggerUIBundle" in page.text
    assert document.json() == json.loads(DOCUMENT.read_text())


ROLES = {"anonymous": None, "buyer": "buyer", "premium": "premium_buyer", "investor": "investor"}


@pytest.mark.parametrize("role", ROLES)
def test_every_response_matches_the_document_and_none_is_a_server_error(api, market, reindex, payments, role, request):
    """Schemathesis generates requests for every operation from the committed document (a bounded
    number each, reproducibly) and sends them through the gateway over HTTP, signed in as each role:
    every answer, the gateway's own included, must be documented and none may be a 5xx."""
    reindex()
    headers = request.getfixturevalue(ROLES[role]).headers if ROLES[role] else {}
    document = schemathesis.openapi.from_path(DOCUMENT)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = [result.ok() for result in document.get_all_operations()]
    assert len(operations) == sum(route.documented for route in ROUTES)

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def conforms(case):
            case.call_and_validate(base_url=api, headers=headers, checks=checks)

        conforms()


# Ids a client could put in a path that are no ids at all: any case, punctuation, too short or too long
# (never a path separator, a query or a fragment, nor a dot segment the gateway would resolve).
MALFORMED_IDS = st.text(alphabet=st.characters(codec="ascii", categories=["L", "N", "P", "S"],
                                               exclude_characters="/\\%?#."), min_size=1, max_size=40
                        ).filter(lambda text: not is_id(text))


def test_a_malformed_id_in_any_path_is_not_found(api, market, buyer):
    """Every operation with an id in its path, called (through the gateway, signed in) with an otherwise
    valid request whose id is malformed: "not found", the API's error shape naming the id, and documented."""
    document = schemathesis.openapi.from_path(DOCUMENT)
    operations = [op for op in (result.ok() for result in document.get_all_operations()) if op.path_parameters]
    assert {op.path for op in operations} >= {"/v1/listings/{listing_id}", "/v1/me/viewings/{viewing_id}/cancel"}
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

    for operation in operations:
        @given(case=operation.as_strategy(), malformed=MALFORMED_IDS)
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def not_found(case, malformed):
            [name] = case.path_parameters
            case.path_parameters[name] = malformed
            response = case.call(base_url=api, headers=buyer.headers)
            case.validate_response(response, checks=checks)
            body = response.json()
            assert (response.status_code, body["code"], body["field"]) == (404, "not_found", name), (
                case.path, malformed, body)

        not_found()
