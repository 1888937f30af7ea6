"""The admins' list of every order: filters kept in the URL, the exact count, previous and next pages, and a
way to the refund where one can still be recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marketplace import db
from marketplace.ids import new_id
from marketplace.models import PaymentOrder

NOVEMBER_20 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # 11:45 in Kathmandu


def _order(*, email: str, provider: str, state: str, at: datetime, refunded: int = 0) -> PaymentOrder:
    order = PaymentOrder(order_id=new_id(), user_id=f"user-{email.split('@')[0]}", email=email, plan="premium-month",
                         tier="premium", days=30, amount=2500, provider=provider, state=state, created_at=at,
                         refunded_amount=refunded, provider_txn="TXN-" + new_id()[-6:] if state != "pending" else None)
    db.save(order)
    return order


def test_admins_page_through_every_order_filter_them_and_reach_the_refund(signed_in, people):
    # Given 52 Khalti payments on 20 November, and three eSewa orders: one pending, one failed, one refunded
    khalti = [_order(email="kiran@example.np", provider="khalti", state="completed",
                     at=NOVEMBER_20 + timedelta(minutes=n)) for n in range(52)]
    pending = _order(email="asha@example.np", provider="esewa", state="pending", at=datetime.now(UTC))
    _order(email="asha@example.np", provider="esewa", state="failed", at=NOVEMBER_20 - timedelta(days=19))
    refunded = _order(email="ram@example.np", provider="esewa", state="refunded", at=NOVEMBER_20 + timedelta(days=1),
                      refunded=2500)
    admin = signed_in("admin")

    # When the admin opens the orders: the newest first, 50 a page, with the exact total
    first = admin.get("/admin/orders/")
    shown = [o.order_id for o in first.context["page"].items]
    assert shown[:2] == [pending.order_id, refunded.order_id] and len(shown) == 50
    assert "1–50 of 55 orders" in first.content.decode()
    # the next page holds the rest, and its previous link leads back to the first
    second = admin.get("/admin/orders/?" + first.context["pager"]["next"])
    assert len(second.context["page"].items) == 5 and "51–55 of 55 orders" in second.content.decode()
    back = admin.get("/admin/orders/?" + second.context["pager"]["previous"])
    assert [o.order_id for o in back.context["page"].items] == shown

    # Then the filters narrow it, with the count, and stay in the next page's URL
    def ids(**query):
        page = admin.get("/admin/orders/", query)
        return {o.order_id for o in page.context["page"].items}, page.context["pager"]["total"]

    assert ids(provider="esewa")[1] == 3
    assert ids(state="pending") == ({pending.order_id}, 1)
    assert ids(buyer="ASHA", state="failed")[1] == 1
    assert ids(placed_from="2026-11-20", placed_to="2026-11-20") == ({o.order_id for o in khalti[-50:]}, 52)
    filtered = admin.get("/admin/orders/", {"provider": "khalti", "placed_from": "2026-11-20"})
    assert "provider=khalti" in filtered.context["pager"]["next"]
    # only a completed payment with something left to refund links to the buyer's refund form
    assert khalti[-1].order_id in first.context["refundable"]
    assert not {pending.order_id, refunded.order_id} & first.context["refundable"]
    assert f'/admin/people/{khalti[-1].user_id}/#payments' in first.content.decode()
    # oldest first on request
    oldest = admin.get("/admin/orders/", {"order": "oldest"}).context["page"].items
    assert oldest[0].state == "failed"


def test_a_bad_filter_is_named_and_the_page_is_the_admins(signed_in, people):
    admin = signed_in("admin")
    page = admin.get("/admin/orders/", {"placed_from": "2026-11-20", "placed_to": "2026-11-01", "state": "stolen"})
    assert page.status_code == 200
    assert set(page.context["form"].errors) == {"placed_to", "state"}
    assert signed_in("broker").get("/admin/orders/").status_code == 403
