"""Typed domain errors. Every deployable maps these to its own error responses.

Each error carries a machine ``code``, the HTTP ``status`` every deployable answers it with, and,
where one input is at fault, the ``field`` it names.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class ValidationError(DomainError):
    """Bad input: a value that cannot be accepted. ``field`` names it."""

    code = "validation_error"

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message, field=field)
        self.errors = errors or ({field: message} if field else {})

    def as_dict(self) -> dict:
        body = super().as_dict()
        if self.errors:
            body["errors"] = self.errors
        return body


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class IllegalTransition(DomainError):
    code = "illegal_transition"
    status = 409


class Conflict(DomainError):
    """Someone else changed the object since it was read (optimistic locking)."""

    code = "conflict"
    status = 409


class Unavailable(DomainError):
    """A dependency (the table, a queue, the user pool) is not answering, or stayed busy through every
    retry: the request may succeed later. Deployables answer 503 with ``Retry-After``."""

    code = "unavailable"
    status = 503
    retry_after_seconds = 5

    def __init__(self, message: str = "the service is busy or briefly unavailable; try again in a few seconds"):
        super().__init__(message)


# botocore's names for a dependency that did not answer (timeouts, refused or dropped connections).
_OUTAGE_EXCEPTIONS = ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
                      "ConnectionClosedError", "ProxyConnectionError", "HTTPClientError")
# AWS error codes that mean "busy or down, try later" rather than "this request is wrong".
OUTAGE_CODES = frozenset({"ServiceUnavailable", "InternalServerError", "InternalFailure", "ThrottlingException",
                          "ProvisionedThroughputExceededException", "RequestLimitExceeded",
                          "TooManyRequestsException", "LimitExceededException"})


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it, as PynamoDB wraps botocore's errors) says a dependency is
    unavailable. Read by the API and the back office to answer 503 instead of 500."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, Unavailable):
            return True
        if any(cls.__name__ in _OUTAGE_EXCEPTIONS for cls in type(error).__mro__):
            return True
        response = getattr(error, "response", None)
        if isinstance(response, dict) and response.get("Error", {}).get("Code") in OUTAGE_CODES:
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


class IdempotencyKeyReused(DomainError):
    """The same idempotency key with a different request (the IETF Idempotency-Key draft's 422)."""

    code = "idempotency_key_reused"
    status = 422
