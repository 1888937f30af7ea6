"""The dashboard's chart in Chromium at 1440x900 and 390x844: it fits the screen (no scrolling inside its
box either) and names every status whole. The page passes ``Journey.check`` (screenshot in
test-artifacts/backoffice/, nothing wider than the window, axe-core, chart text 12 px or more, Nepali
grouping, no console error)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from marketplace import formatting
from marketplace.lifecycle import Status
from tests.backoffice.browsing import SIZES, Journey, sign_in_with_new_totp

pytestmark = pytest.mark.xdist_group("browser")


def test_the_dashboards_chart_fits_a_phone_and_a_desktop_naming_every_status(browser, live_backoffice, people,
                                                                             listing_factory):
    # Given listings in a few statuses
    for status in ("draft", "pending_review", "active", "active"):
        listing_factory(status=status)
    admin = Journey(browser.new_context(), live_backoffice, "chart")
    sign_in_with_new_totp(admin.page, live_backoffice, people["admin"])

    for width, height in SIZES:
        # When an admin opens the dashboard
        admin.size(width, height)
        admin.open("/admin/", "dashboard")
        # Then its chart fits its box: nothing to scroll inside it
        chart = admin.page.locator("figure.chart")
        scroll, client = chart.evaluate("figure => [figure.scrollWidth, figure.clientWidth]")
        assert scroll <= client, f"the chart scrolls inside its box at {width} px: {scroll} in {client}"
        # and the chart in view names every status, in the short words the axis has room for
        expect(admin.page.locator("figure.chart svg:visible text.axis")).to_have_text(
            [formatting.status_short(s) for s in Status])
    admin.page.context.close()
