"""Application-side limits on guessing, on top of Cognito's own: per account and per client IP,
failures are counted in the table (with TTL); past a threshold every further failure blocks the
account or IP for a doubling time (capped). A TOTP code completes one sign-in only.

Answers stay generic: a blocked account and an unknown one look the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import PutError

from marketplace.errors import DomainError
from marketplace.models import SignInThrottle, UsedTotpCode

WINDOW = timedelta(minutes=15)  # failures are forgotten after this long without one
BASE_BLOCK = timedelta(seconds=1)
MAX_BLOCK = timedelta(minutes=15)
TOTP_REUSE_WINDOW = timedelta(seconds=90)  # the code's 30-second step and one step of skew either side


@dataclass(frozen=True)
class Limit:
    scope: str
    free_failures: int  # failures allowed before blocking starts


ACCOUNT = Limit("account", 5)
IP = Limit("ip", 20)  # one office's NAT may carry several people


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status = 429

    def __init__(self):
        super().__init__("Too many attempts. Wait a few minutes, then try again.")


def _subjects(*, account: str, ip: str) -> list[tuple[Limit, str]]:
    return [(ACCOUNT, account), (IP, ip)] if ip else [(ACCOUNT, account)]


def sign_in_check(*, account: str, ip: str, now: datetime | None = None) -> None:
    """Raise ``TooManyAttempts`` while the account or the IP is blocked."""
    moment = now or datetime.now(UTC)
    for limit, value in _subjects(account=account, ip=ip):
        try:
            counter = SignInThrottle.get(*SignInThrottle.key(limit.scope, value))
        except SignInThrottle.DoesNotExist:
            continue
        if counter.blocked_until and counter.blocked_until > moment:
            raise TooManyAttempts()


def block_for(failures: int, limit: Limit) -> timedelta | None:
    """How long ``failures`` (counted so far) block: nothing up to the free ones, then doubling."""
    over = failures - limit.free_failures
    if over <= 0:
        return None
    return min(MAX_BLOCK, BASE_BLOCK * 2 ** min(over, 20))


def sign_in_failed(*, account: str, ip: str, now: datetime | None = None) -> None:
    """Count a failed password or code for the account and the IP (atomic ADD), and block past the
    threshold."""
    moment = now or datetime.now(UTC)
    for limit, value in _subjects(account=account, ip=ip):
        counter = SignInThrottle(*SignInThrottle.key(limit.scope, value))
        counter.update(actions=[SignInThrottle.failures.add(1), SignInThrottle.expires.set(moment + WINDOW),
                                SignInThrottle.type.set(SignInThrottle)])
        block = block_for(counter.failures, limit)
        if block:
            counter.update(actions=[SignInThrottle.blocked_until.set(moment + block)])


def sign_in_succeeded(*, account: str) -> None:
    """A completed sign-in clears the account's failures (not the IP's)."""
    SignInThrottle(*SignInThrottle.key(ACCOUNT.scope, account)).delete()


def totp_code_claim(*, user_id: str, code: str, now: datetime | None = None) -> bool:
    """Record that ``code`` completed a sign-in of ``user_id``; False if it already completed one."""
    moment = now or datetime.now(UTC)
    used = UsedTotpCode(*UsedTotpCode.key(user_id, code.strip()))
    used.expires = moment + TOTP_REUSE_WINDOW
    try:
        used.save(condition=UsedTotpCode.pk.does_not_exist() | (UsedTotpCode.expires < moment))
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
