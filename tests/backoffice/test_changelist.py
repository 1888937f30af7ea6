"""The admin's listings list as a changelist: the broker picked by name, an exact total, previous and next
pages with the filters kept, and the status-change column sorting either way."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from backoffice.views import admin as admin_views
from tests.shared.pages import visible_text


def _query(link: str) -> dict:
    return {k: v if len(v) > 1 else v[0] for k, v in parse_qs(link, keep_blank_values=True).items()}


def test_the_broker_filter_is_a_picker_of_names(signed_in, listing_factory, people):
    mine = listing_factory(status="active")
    listing_factory(status="active", broker="other_broker")
    browser = signed_in("admin")

    page = browser.get("/admin/listings/", {"status": "active", "broker_id": people["broker"].user_id})

    choices = dict(page.context["form"].fields["broker_id"].choices)
    assert (choices[people["broker"].user_id], choices[people["other_broker"].user_id]) == ("Broker", "Other_Broker")
    assert [l.listing_id for l in page.context["page"].items] == [mine.listing_id]
    assert "1–1 of 1 listings" in visible_text(page.content)


def test_pages_step_forward_and_back_with_the_filters_kept_and_an_exact_total(signed_in, listing_factory,
                                                                              monkeypatch):
    monkeypatch.setattr(admin_views, "LISTINGS_PAGE", 2)
    made = [listing_factory(status="active", price="6 crore") for _ in range(3)]
    listing_factory(status="active", price="2 crore")  # filtered out by the price
    browser = signed_in("admin")
    asked = {"status": "active", "price_min": "5 crore"}

    first = browser.get("/admin/listings/", asked)
    second = browser.get("/admin/listings/", _query(first.context["pager"]["next"]))
    back = browser.get("/admin/listings/", _query(second.context["pager"]["previous"]))

    seen = [l.listing_id for p in (first, second) for l in p.context["page"].items]
    assert sorted(seen) == sorted(l.listing_id for l in made)
    assert "1–2 of 3 listings" in visible_text(first.content) and "3–3 of 3 listings" in visible_text(second.content)
    assert _query(first.context["pager"]["next"])["price_min"] == "5 crore"  # the filters stay in the URL
    assert second.context["pager"]["next"] is None and first.context["pager"]["previous"] is None
    assert [l.listing_id for l in back.context["page"].items] == [l.listing_id for l in first.context["page"].items]


def test_the_status_change_column_sorts_both_ways(signed_in, listing_factory):
    older, newer = listing_factory(status="active"), listing_factory(status="active")
    browser = signed_in("admin")

    newest_first = browser.get("/admin/listings/", {"status": "active"})
    oldest_first = browser.get("/admin/listings/", _query(newest_first.context["pager"]["resort"]))

    assert [l.listing_id for l in newest_first.context["page"].items] == [newer.listing_id, older.listing_id]
    assert [l.listing_id for l in oldest_first.context["page"].items] == [older.listing_id, newer.listing_id]


def test_every_destructive_button_asks_first(signed_in, listing_factory, people):
    listed = listing_factory(status="active")
    pending = listing_factory(status="pending_review")
    admin, broker = signed_in("admin"), signed_in("broker")

    pages = [admin.get(f"/admin/listings/{listed.listing_id}/"), admin.get(f"/admin/moderation/{pending.listing_id}/"),
             admin.get("/admin/moderation/"), admin.get(f"/admin/people/{people['buyer'].user_id}/"),
             broker.get(f"/broker/listings/{listed.listing_id}/")]

    dangers = [tag for page in pages for tag in re.findall(r"<button[^>]*class=\"danger\"[^>]*>", page.content.decode())]
    assert len(dangers) >= 5  # unpublish, reject, bulk reject, end sessions, withdraw and each photo's delete
    assert [tag for tag in dangers if "data-confirm=" not in tag] == []
    assert f'data-confirm="Unpublish: {listed.title}?"' in pages[0].content.decode()


def test_detail_pages_show_where_they_sit(signed_in, listing_factory):
    listed, pending = listing_factory(status="active"), listing_factory(status="pending_review")
    admin, broker = signed_in("admin"), signed_in("broker")

    trails = {url: re.search(r'<nav class="breadcrumbs".*?</nav>', browser.get(url).content.decode(), re.DOTALL)
              for browser, url in ((admin, f"/admin/listings/{listed.listing_id}/"),
                                   (admin, f"/admin/moderation/{pending.listing_id}/"),
                                   (broker, f"/broker/listings/{listed.listing_id}/"),
                                   (broker, "/broker/listings/new/"))}

    assert {url: visible_text(found.group(0).encode()).strip() for url, found in trails.items()} == {
        f"/admin/listings/{listed.listing_id}/": f"Listings {listed.title}",
        f"/admin/moderation/{pending.listing_id}/": f"Moderation {pending.title}",
        f"/broker/listings/{listed.listing_id}/": f"My inventory {listed.title}",
        "/broker/listings/new/": "My inventory New listing",
    }
    assert 'href="/admin/listings/"' in trails[f"/admin/listings/{listed.listing_id}/"].group(0)
