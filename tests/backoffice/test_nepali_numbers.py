"""Every back-office page writes numbers as Kathmandu does: Nepali grouping (1,52,96,000), prices in lakh and
crore, land in ropani-aana-paisa-daam, years never grouped, history in words."""

from __future__ import annotations

import re

import pytest

from marketplace.events import Queue
from tests.shared.daily_reports import deliver_daily_reports
from tests.shared.pages import visible_text

# 100,000 or 1,234,567: three digits after the first comma and again after the next (Nepali: 1,00,000).
WESTERN = re.compile(r"(?<![\d,.])(?:\d{3},\d{3}|\d{1,3}(?:,\d{3}){2,})(?![\d,])")
UNGROUPED = re.compile(r"(?<![\w.,:-])\d{6,}(?![\w,])")  # 152960000 written without any grouping


@pytest.fixture
def market(listing_factory, platform):
    """Demo-like listings: crore prices, land of several ropani, three comparables and one waiting for review,
    one with its price changed (a history line)."""
    big = {"price": "15.296 crore", "land_area_sqft": "3-4-2-1", "built_up_area_sqft": "1,52,000 sqft",
           "year_built": 2017}
    listed = [listing_factory(status="active", **big) for _ in range(3)]
    pending = listing_factory(status="pending_review", price="51300000", land_area_sqft="10-0-0-0")
    deliver_daily_reports(platform.queues[Queue.DAILY_REPORTS])
    return listed, pending


def test_no_page_writes_a_western_grouped_or_ungrouped_large_number(signed_in, market):
    listed, pending = market
    admin, broker = signed_in("admin"), signed_in("broker")
    edit = admin.get(f"/admin/listings/{listed[0].listing_id}/").context["form"].initial
    admin.post(f"/admin/listings/{listed[0].listing_id}/",
               {**{k: v for k, v in edit.items() if v not in (None, False)}, "price": "4.5 crore",
                "expected_version": listed[0].version})
    pages = {
        "dashboard": admin.get("/admin/"),
        "queue": admin.get("/admin/moderation/"),
        "review": admin.get(f"/admin/moderation/{pending.listing_id}/"),
        "listings": admin.get("/admin/listings/", {"status": "active"}),
        "detail": admin.get(f"/admin/listings/{listed[0].listing_id}/"),
        "reports": admin.get("/admin/reports/", {"days": 90}),
        "inventory": broker.get("/broker/"),
        "form": broker.get(f"/broker/listings/{listed[1].listing_id}/"),
        "analytics": broker.get("/broker/analytics/"),
    }

    texts = {name: visible_text(page.content) for name, page in pages.items()}
    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    assert {name: WESTERN.findall(text) for name, text in texts.items()} == {key: [] for key in pages}
    assert {name: UNGROUPED.findall(text) for name, text in texts.items()} == {key: [] for key in pages}
    # the same figures, as Kathmandu writes them
    assert "Rs 15,29,60,000" in texts["listings"] and "Rs 15.3 crore" in texts["listings"]
    assert "Rs 51,30,000 per ropani" in texts["review"]
    assert "Price: Rs 15.3 crore → Rs 4.5 crore" in texts["detail"]
    assert "3-4-2-1 R-A-P-D" in texts["form"]
