"""Paid subscriptions: what can be bought (``PLANS``), through which provider, and an order's states.

Buyers pay with eSewa (ePay v2) or Khalti (KPG-2); neither has recurring billing, so a plan is a prepaid
term. The providers' protocols are in ``marketplace.payments.esewa`` and ``marketplace.payments.khalti``;
the orders, their verification and the entitlement they grant in ``marketplace.services.payments``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from marketplace.entitlements import Tier


class Provider(StrEnum):
    ESEWA = "esewa"
    KHALTI = "khalti"


PROVIDER_NAMES = {Provider.ESEWA: "eSewa", Provider.KHALTI: "Khalti"}


class OrderState(StrEnum):
    CREATED = "created"  # stored, the provider not yet reached
    PENDING = "pending"  # the buyer was sent to the provider; its answer is awaited (callback or poller)
    COMPLETED = "completed"  # verified with the provider; the term was granted
    FAILED = "failed"  # the provider says it did not happen (cancelled, expired, not found)
    REFUNDED = "refunded"  # the provider refunded it (recorded by an admin)


OPEN_STATES = (OrderState.CREATED, OrderState.PENDING)


@dataclass(frozen=True)
class Plan:
    """A prepaid term of a paid tier, priced in whole rupees (VAT included)."""

    code: str
    tier: Tier
    days: int
    price: int
    title: str


PLANS: dict[str, Plan] = {plan.code: plan for plan in (
    Plan("premium-month", Tier.PREMIUM, 30, 2_500, "Shikhar Premium, 30 days"),
    Plan("premium-year", Tier.PREMIUM, 365, 25_000, "Shikhar Premium, 365 days"),
    Plan("investor-month", Tier.INVESTOR, 30, 10_000, "Shikhar Investor, 30 days"),
    Plan("investor-year", Tier.INVESTOR, 365, 1_00_000, "Shikhar Investor, 365 days"),
)}
