"""One error shape for every route: ``{"code", "message", "field", "errors"}``.

Domain errors map to their status; request validation is 422 naming the field, except a malformed id in
the path, which is 404 like an id that matches nothing; a bad or missing token
is 401; a dependency that is down or stays busy (``marketplace.errors.is_outage``) is 503 with
``Retry-After``. Nothing a client sends may become a 500: an unexpected error is logged and answered as a
generic 500 without internals.
"""

from __future__ import annotations

import json
import re

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from marketplace.errors import DomainError, Unavailable, is_outage
from public_api.observability import logger


class Unauthorized(Exception):
    """No token, or one that is not valid, where one is needed (or was offered)."""

    def __init__(self, message: str = "sign in: a valid bearer token is required"):
        super().__init__(message)
        self.message = message


class SwitchedOff(Exception):
    """A feature flag has switched this operation off for a while (503 with Retry-After)."""

    def __init__(self, code: str, message: str, *, retry_after_seconds: int):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after_seconds = retry_after_seconds


def problem(status: int, code: str, message: str, *, field: str | None = None,
            errors: dict[str, str] | None = None, headers: dict | None = None) -> Response:
    body = {"code": code, "message": message}
    if field:
        body["field"] = field
    if errors:
        body["errors"] = errors
    return Response(status_code=status, content_type="application/json", body=json.dumps(body),
                    headers=headers)


def unavailable(error: Unavailable) -> Response:
    """A dependency is down or busy: 503 with when to try again, never a 500."""
    return problem(503, error.code, error.message, headers={"Retry-After": str(error.retry_after_seconds)})


def _field_of(location) -> str:
    """``("query", "min_price")`` -> ``min_price``; ``("body", "phone")`` -> ``phone``."""
    parts = [str(p) for p in location if p not in ("query", "path", "header", "body", "response")]
    return ".".join(parts) or "body"


def no_such(name: str) -> Response:
    """404 for the resource a path parameter names (``listing_id`` -> "no such listing")."""
    return problem(404, "not_found", f"no such {name.removesuffix('_id').replace('_', ' ')}", field=name)


def not_found_in_path(error: RequestValidationError) -> Response | None:
    """A malformed id in the path names no resource: to a buyer's app it is "not found" (404, the same answer
    as an id that matches nothing), not a malformed request. None when the path's parameters are valid."""
    for detail in error.errors():
        location = tuple(detail.get("loc", ()))
        if location[:1] == ("path",):
            return no_such(_field_of(location))
    return None


def route_parameter(route_key: str | None) -> str | None:
    """The path parameter of the route the gateway matched (``GET /v1/listings/{listing_id}`` ->
    ``listing_id``), or None. The gateway takes any one segment as a parameter; the resolver's own pattern
    does not take some characters (``#``, ``"``): such a segment is a malformed id, not a missing route."""
    match = re.search(r"\{(\w+)\}", route_key or "")
    return match.group(1) if match else None


def validation_problem(error: RequestValidationError) -> Response:
    if (missing := not_found_in_path(error)) is not None:
        return missing
    errors: dict[str, str] = {}
    for detail in error.errors():
        errors.setdefault(_field_of(detail.get("loc", ())), detail.get("msg", "is not valid"))
    first = next(iter(errors), "body")
    return problem(422, "validation_error", f"{first}: {errors.get(first, 'is not valid')}", field=first,
                   errors=errors)


def install(app) -> None:
    """Register the handlers on a resolver."""

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError):
        return validation_problem(error)

    @app.exception_handler(DomainError)
    def _domain(error: DomainError):
        if isinstance(error, Unavailable):
            return unavailable(error)
        status = error.status
        errors = getattr(error, "errors", None) or None
        return problem(status, error.code, error.message, field=error.field, errors=errors)

    @app.exception_handler(Unauthorized)
    def _unauthorized(error: Unauthorized):
        return problem(401, "unauthorized", error.message, headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(SwitchedOff)
    def _switched_off(error: SwitchedOff):
        return problem(503, error.code, error.message, headers={"Retry-After": str(error.retry_after_seconds)})

    @app.exception_handler(NotFoundError)
    def _no_route(error: NotFoundError):
        name = route_parameter(app.current_event.get("routeKey"))
        return no_such(name) if name else problem(404, "not_found", "no such route")

    @app.exception_handler(Exception)
    def _unexpected(error: Exception):
        if is_outage(error):
            logger.warning("dependency unavailable", exc_info=error)
            return unavailable(Unavailable())
        logger.exception("unhandled error")
        return problem(500, "internal_error", "something went wrong on our side; try again")
