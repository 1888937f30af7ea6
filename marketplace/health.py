"""What a health check asks of the dependencies a request needs: the table and the user pool answer.
Each check is one cheap call inside the function's call budget (``marketplace.config.CallBudget``)."""

from __future__ import annotations

from marketplace.aws import client
from marketplace.config import settings
from marketplace.errors import is_outage
from marketplace.models import Guard
from marketplace.observability import logger


def _table() -> None:
    try:
        Guard.get(*Guard.unique_key("health", "probe"))
    except Guard.DoesNotExist:
        pass  # the table answered


def _user_pool() -> None:
    client("cognito-idp").describe_user_pool(UserPoolId=settings().user_pool_id)


CHECKS = {"table": _table, "user_pool": _user_pool}


def dependency_checks(names: tuple[str, ...] = tuple(CHECKS)) -> dict[str, str]:
    """``{"table": "ok" | "unavailable", ...}`` for the named checks (every one by default); an error
    that is not an outage (a permission or a configuration mistake) is reported as ``failing``."""
    results = {}
    for name in names:
        check = CHECKS[name]
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # noqa: BLE001 -- a health check reports every failure, it never raises
            logger.warning("health check failed", extra={"dependency": name}, exc_info=error)
            results[name] = "unavailable" if is_outage(error) else "failing"
    return results
