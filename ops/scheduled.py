"""Scheduled Lambda entry points of operations (EventBridge schedules defined in infra)."""

from __future__ import annotations

from marketplace import outbox


def outbox_sweep(event: dict, context=None) -> dict:
    """Every 5 minutes: publish outbox records the stream relay left pending."""
    return {"relayed": outbox.relay_pending(limit=500)}


def weekly_export(event: dict, context=None) -> dict:
    """Weekly: export the table to S3, convert it to Parquet, write and verify the manifest."""
    from ops import export  # pyarrow is heavy: only this entry point loads it

    return export.run_scheduled()
