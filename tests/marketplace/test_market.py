"""The median price per ropani: one set of comparables (active sales) for the public summary, the
moderation price check and the demand report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from marketplace.lifecycle import Action
from marketplace.selectors import moderation, reports, search
from marketplace.services import listings as listing_services
from tests.shared.lifecycle import listing_act
from tests.shared.listings import COMPLETE_HOUSE, submit

EIGHT_ANA = Decimal("0.5")  # ropani: COMPLETE_HOUSE's land, 0-8-0-0


def _active(broker, admin, **fields):
    listing = listing_services.listing_create(actor=broker, fields={**COMPLETE_HOUSE, **fields})
    submit(broker, listing.listing_id)
    return listing_act(actor=admin, listing_id=listing.listing_id, action=Action.APPROVE)


def test_rentals_do_not_pull_down_the_median_sale_price_per_ropani(table, broker, admin):
    # Given three active sales in a neighbourhood and a monthly rent beside them
    for crore in ("4 crore", "5 crore", "6 crore"):
        _active(broker, admin, price=crore)
    _active(broker, admin, purpose="rent", price="1 lakh")
    expected = int(Decimal(50_000_000) / EIGHT_ANA)

    # When the public summary, the moderation check and the demand report compute their medians
    public = {s.slug: s.median_price_per_ropani for s in search.neighbourhood_summaries()}
    checked = moderation.market_medians()
    demand = {row[0]: row[-1] for row in reports.REPORTS["demand"].rows(reports.Window.last(1, today=date.today()), None)}

    # Then all three say the median of the sales alone
    assert public["budhanilkantha"] == expected
    assert int(checked["budhanilkantha"]) == expected
    assert demand["Budhanilkantha"] == expected
