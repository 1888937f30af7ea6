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
