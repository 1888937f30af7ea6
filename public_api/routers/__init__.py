"""One Router per resource. Each function's resolver includes the routers it serves; the OpenAPI
document includes them all (``public_api.openapi``)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel

from marketplace.errors import ValidationError
from marketplace.ids import ID_PATTERN
from marketplace.listing_fields import FIELD
from marketplace.money import group_npr, parse_npr
from public_api.schemas.common import Problem

_WHY = {
    400: "Bad input (the field is named)",
    401: "No valid bearer token (signed-in routes), or an invalid one offered on a public route",
    403: "Not allowed for the caller (the reason is given)",
    404: "No such listing, or one the caller may not see (the same answer); an id in the path that is not an id "
         "at all (not 26 lower-case letters and digits) is not found either",
    409: "Changed meanwhile (reload: `conflict`), or no longer in a state that allows this (`illegal_transition`)",
    413: "Request body too large",
    415: "The body is not JSON (Content-Type: application/json)",
    422: "Malformed request: wrong types, unknown or missing fields, a body that is not UTF-8, or an "
         "idempotency key reused for a different request (the field is named); never for the id in the path",
    503: "Temporarily unavailable (switched off by a feature flag, or a search only the index answers while "
         "it is being restored); try again after Retry-After seconds",
}


# Path and query rules shared by several routers (kept here so a router never imports another).
LISTING_ID = f"^{ID_PATTERN}$"
CURSOR_MAX = 2048

# Rupees as people write them, as the back office reads them: whole rupees or a text the domain's one
# price parser reads (``marketplace.money.parse_npr``).
MONEY_FORMS = "45000000, '4,50,00,000', '4.5 crore', '4 crore 50 lakh', '75 lakh', '४.५ करोड'"
MAX_NPR = FIELD["price"].high
MONEY_TEXT = 40  # characters: "4 crore 50 lakh 25 thousand" and more
# The type of such a parameter: text in a query string, an integer too in a saved search's JSON body. Its
# bounds are checked by ``npr_param``, so that every refusal names the parameter alone (a refused union
# would name each of its members).
Npr = int | str


def money_query(description: str) -> Query:
    """A query parameter in rupees (``Npr``: whole rupees, or text such as '4.5 crore'): read it with
    ``npr_param``."""
    return Query(description=f"{description}; whole rupees or as people write them: {MONEY_FORMS}",
                 examples=["4.5 crore"])


def npr_param(value: int | str | None, *, field: str) -> int | None:
    """A money parameter in whole rupees; a ``ValidationError`` naming ``field`` for what is not an amount."""
    if value is None:
        return None
    if isinstance(value, str) and len(value) > MONEY_TEXT:
        raise ValidationError(f"must be at most {MONEY_TEXT} characters, e.g. '4 crore 50 lakh'", field=field)
    amount = parse_npr(value.strip() if isinstance(value, str) else value, field=field)
    if amount > MAX_NPR:
        raise ValidationError(f"must be at most Rs {group_npr(MAX_NPR)}", field=field)
    return amount


SIGNED_IN = [{"cognito": []}]  # the JWT authorizer guards the route
OPTIONAL_SIGN_IN = [{}, {"cognito": []}]  # anyone; a bearer token unlocks entitlements


def documented(ok: int = 200, ok_description: str = "OK", *, errors: tuple[int, ...] = (400, 401, 422),
               model: type[BaseModel] | None = None) -> dict:
    """The ``responses`` of a route: its success (schema from the return type, or ``model`` for a route that
    returns its body already serialised) and its error shapes."""
    responses: dict = {ok: {"description": ok_description}}
    if model is not None:
        responses[ok]["content"] = {"application/json": {"model": model}}
    for code in errors:
        responses[code] = {"description": _WHY[code], "content": {"application/json": {"model": Problem}}}
    return responses
