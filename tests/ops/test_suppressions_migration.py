"""``python -m ops migrate suppressions``: e-mail suppressions stored before the admins' list get its
index keys, so they show in the list by date; suppressions of today's shape are left alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marketplace.aws import client
from marketplace.config import settings
from marketplace.delivery.suppressions import SuppressionSearch, suppressions_find
from marketplace.models import EmailSuppression
from ops.cli import main


def _suppress(address: str, *, days_ago: int = 0) -> EmailSuppression:
    entry = EmailSuppression(address=address, reason="bounce", detail="smtp; 550",
                             created_at=datetime.now(UTC) - timedelta(days=days_ago))
    entry.derive_keys()
    entry.save()
    return entry


def _store_in_the_old_shape(entry: EmailSuppression) -> None:
    """As the feedback consumer stored it before the list: without the gsi5 keys."""
    client("dynamodb").update_item(TableName=settings().table_name, Key={"pk": {"S": entry.pk}, "sk": {"S": entry.sk}},
                                   UpdateExpression="REMOVE gsi5pk, gsi5sk")


def _listed() -> list[str]:
    return [s.address for s in suppressions_find(search=SuppressionSearch())]


def test_old_suppressions_are_indexed_and_show_in_the_list(table, capsys):
    # Given two suppressions of the old shape and one of today's
    for address in ("old@example.np", "older@example.np"):
        _store_in_the_old_shape(_suppress(address, days_ago=3))
    _suppress("new@example.np")
    assert _listed() == ["new@example.np"]
    # When the migration runs dry, then for real, then again
    assert main(["migrate", "suppressions"]) == 0
    assert _listed() == ["new@example.np"]
    assert main(["migrate", "suppressions", "--apply"]) == 0
    assert main(["migrate", "suppressions", "--apply"]) == 0
    # Then the old ones are listed too, newest first, and the second run had nothing left to do
    assert sorted(_listed()[1:]) == ["old@example.np", "older@example.np"] and _listed()[0] == "new@example.np"
    out = capsys.readouterr().out
    assert "would index 2" in out and "indexed 2" in out and "indexed 0" in out
