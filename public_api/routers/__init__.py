"""One Router per resource. Each function's resolver includes the routers it serves; the OpenAPI
document includes them all (``public_api.openapi``)."""

from __future__ import annotations

from marketplace.ids import ID_PATTERN
from public_api.schemas.common import Problem

_WHY = {
    400: "Bad input (the field is named)",
    401: "No valid bearer token (signed-in routes), or an invalid one offered on a public route",
    403: "Not allowed for the caller (the reason is given)",
    404: "No such listing, or one the caller may not see (the same answer)",
    413: "Request body too large",
    415: "The body is not JSON (Content-Type: application/json)",
    422: "Malformed request: wrong types, unknown or missing fields, a body that is not UTF-8, or an "
         "idempotency key reused for a different request (the field is named)",
    503: "Temporarily unavailable (switched off by a feature flag, or a search only the index answers while "
         "it is being restored); try again after Retry-After seconds",
}


# Path and query rules shared by several routers (kept here so a router never imports another).
LISTING_ID = f"^{ID_PATTERN}$"
CURSOR_MAX = 2048

SIGNED_IN = [{"cognito": []}]  # the JWT authorizer guards the route
OPTIONAL_SIGN_IN = [{}, {"cognito": []}]  # anyone; a bearer token unlocks entitlements


def documented(ok: int = 200, ok_description: str = "OK", *, errors: tuple[int, ...] = (400, 401, 422)) -> dict:
    """The ``responses`` of a route: its success (schema from the return type) and its error shapes."""
    responses: dict = {ok: {"description": ok_description}}
    for code in errors:
        responses[code] = {"description": _WHY[code], "content": {"application/json": {"model": Problem}}}
    return responses
