"""``pitr status``: is point-in-time recovery on, and which window can the table be restored to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from marketplace.aws import client


@dataclass(frozen=True)
class PitrStatus:
    table: str
    enabled: bool
    earliest: datetime | None
    latest: datetime | None
    recovery_days: int | None

    def lines(self) -> list[str]:
        if not self.enabled:
            return [(f"table {self.table}: PITR is OFF. Turn it on now (the Data stack does): "
                    f"aws dynamodb update-continuous-backups --table-name {self.table} "
                    "--point-in-time-recovery-specification PointInTimeRecoveryEnabled=true")]
        return [f"table {self.table}: PITR is on"
                + (f" ({self.recovery_days}-day window)" if self.recovery_days else ""),
                f"  earliest restorable: {self.earliest.isoformat() if self.earliest else 'unknown'}",
                f"  latest restorable:   {self.latest.isoformat() if self.latest else 'unknown'}"]


def pitr_status(*, table: str) -> PitrStatus:
    description = client("dynamodb").describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    pitr = description.get("PointInTimeRecoveryDescription", {})
    return PitrStatus(table=table, enabled=pitr.get("PointInTimeRecoveryStatus") == "ENABLED",
                      earliest=pitr.get("EarliestRestorableDateTime"), latest=pitr.get("LatestRestorableDateTime"),
                      recovery_days=pitr.get("RecoveryPeriodInDays"))
