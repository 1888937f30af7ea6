"""Application-side limits on guessing, on top of Cognito's own: per account and per client IP,
failures are counted in the table (with TTL); past a threshold every further failure blocks the
account or IP for a doubling time (capped). A TOTP time step completes one sign-in only, and never
one after a newer step did.

Answers stay generic: a blocked account and an unknown one look the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import PutError

from marketplace.config import settings
from marketplace.errors import DomainError
from marketplace.models import SignInThrottle, TotpStep

WINDOW = timedelta(minutes=15)  # failures are forgotten after this long without one
BASE_BLOCK = timedelta(seconds=1)
MAX_BLOCK = timedelta(minutes=15)
TOTP_STEP_SECONDS = 30  # RFC 6238's time step, as Cognito and every authenticator app use it
# How many steps either side of now the verifier accepts. Cognito tolerates clock skew but does not
# document how much: one step is assumed. The emulator accepts the current step only (no skew).
AWS_TOTP_SKEW_STEPS = 1


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
        counter = SignInThrottle.get_or_none(limit.scope, value)
        if counter and counter.blocked_until and counter.blocked_until > moment:
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


def totp_skew_steps() -> int:
    return 0 if settings().is_emulated else AWS_TOTP_SKEW_STEPS


def totp_step_claim(*, user_id: str, now: datetime | None = None, skew_steps: int | None = None) -> bool:
    """Record that a TOTP code, accepted by Cognito ``now``, completed a sign-in of ``user_id``; False
    when it could be of a step that already completed one, or older.

    Cognito keeps the secret, so the code's own step is not known here, only its bounds: within
    ``skew_steps`` of now. A sign-in is allowed only when every step its code could be is newer than
    every step the last accepted code could have been: the same step is never used twice, and an older
    step never after a newer one (RFC 6238, section 5.2). The price, in AWS, is a wait of up to three
    steps between two sign-ins of one person."""
    skew = totp_skew_steps() if skew_steps is None else skew_steps
    step = int((now or datetime.now(UTC)).timestamp()) // TOTP_STEP_SECONDS
    claim = TotpStep(*TotpStep.key(user_id))
    claim.newest_step = step + skew
    # After this, any code the verifier accepts is of a newer step: the record has nothing left to refuse.
    claim.expires = datetime.fromtimestamp((step + 2 * skew + 1) * TOTP_STEP_SECONDS, UTC)
    try:
        claim.save(condition=TotpStep.pk.does_not_exist() | (TotpStep.newest_step < step - skew))
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
