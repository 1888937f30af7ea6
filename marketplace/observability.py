"""Structured JSON logging with a correlation id that travels from a request into the events it causes."""

from __future__ import annotations

from contextvars import ContextVar

from aws_lambda_powertools import Logger

logger = Logger(service="shikhar")

_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def set_correlation_id(value: str | None) -> None:
    _correlation_id.set(value)
    logger.set_correlation_id(value)


def correlation_id() -> str | None:
    return _correlation_id.get()
