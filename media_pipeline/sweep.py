"""The sweep, on a schedule: media still awaiting their upload or processing past their deadline become
failed with a reason the broker can act on (a slot nobody used; an execution that died, timed out or was
stopped without recording its outcome). Brokers then retry or replace them."""

from __future__ import annotations

from marketplace.services.media import media_fail_overdue

SWEEP_MINUTES = 5  # how often it runs (the EventBridge schedule in AWS, the local worker)


def handler(event: dict | None = None, context=None) -> dict:
    return {"failed": media_fail_overdue()}
