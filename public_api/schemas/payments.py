"""Buying a paid plan: the order a buyer asks for, the order, and where the buyer's browser goes next."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from marketplace.payments import PLANS, OrderState, Provider

PlanCode = Literal[tuple(PLANS)]
ProviderName = Literal[tuple(p.value for p in Provider)]
OrderStateName = Literal[tuple(s.value for s in OrderState)]


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: PlanCode
    provider: ProviderName


class OrderOut(BaseModel):
    order_id: str
    plan: PlanCode
    tier: str
    days: int
    amount: int = Field(description="Whole rupees, VAT included")
    provider: ProviderName
    state: OrderStateName = Field(description="created, pending (awaiting the provider), completed (the plan is "
                                              "active: see /v1/me), failed or refunded")
    created_at: datetime
    completed_at: datetime | None = None

    @classmethod
    def of(cls, order) -> OrderOut:
        """From a ``PaymentOrder``."""
        return cls(order_id=order.order_id, plan=order.plan, tier=order.tier, days=int(order.days),
                   amount=int(order.amount), provider=order.provider, state=order.state,
                   created_at=order.created_at, completed_at=order.completed_at)


class OrderList(BaseModel):
    items: list[OrderOut]


class Redirect(BaseModel):
    method: Literal["GET", "POST"] = Field(description="POST: submit `fields` as a form to `url` (eSewa); GET: "
                                                       "open `url` (Khalti)")
    url: str
    fields: dict[str, str]


class CheckoutOut(BaseModel):
    order: OrderOut
    redirect: Redirect
