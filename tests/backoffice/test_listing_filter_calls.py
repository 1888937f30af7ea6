"""The admins' listings filtered by neighbourhood and price: a listed status reads the neighbourhood's
market index whole, so its DynamoDB calls stay the same however many listings the other neighbourhoods
and statuses hold, and its total needs no COUNT."""

from __future__ import annotations

from urllib.parse import parse_qs

from backoffice.views import admin as admin_views
from marketplace.selectors.moderation import ListingFilters, listings_count
from tests.shared.pages import visible_text

ASKED = {"status": "active", "neighborhood": "baluwatar", "price_min": "5 crore", "price_max": "20 crore"}


def _query(link: str) -> dict:
    return {k: v if len(v) > 1 else v[0] for k, v in parse_qs(link, keep_blank_values=True).items()}


def _ids(page) -> list[str]:
    return [item.listing_id for item in page.context["page"].items]


def test_a_neighbourhood_and_price_filter_makes_the_same_calls_however_many_listings_there_are(
        signed_in, listing_factory, monkeypatch, dynamodb_calls):
    monkeypatch.setattr(admin_views, "LISTINGS_PAGE", 2)
    matches = [listing_factory(status="active", neighborhood="baluwatar", price="6 crore") for _ in range(3)]
    listing_factory(status="active", neighborhood="baluwatar", price="2 crore")  # under the price window
    listing_factory(status="pending_review", neighborhood="baluwatar", price="7 crore")  # not active
    browser = signed_in("admin")
    browser.get("/admin/listings/")  # the session's first page (it may save the session once)

    def measured() -> list:
        dynamodb_calls.reset()
        first = browser.get("/admin/listings/", ASKED)
        first_calls = dynamodb_calls.count()
        dynamodb_calls.reset()
        second = browser.get("/admin/listings/", _query(first.context["pager"]["next"]))
        return [_ids(first) + _ids(second), visible_text(first.content), visible_text(second.content), first_calls,
                dynamodb_calls.count()]

    few = measured()
    # newer active listings elsewhere, each read before the matches by a filter over the status's index
    for _ in range(8):
        listing_factory(status="active", neighborhood="sanepa", price="6 crore")
    many = measured()
    oldest = browser.get("/admin/listings/", {**ASKED, "order": "oldest"})

    assert few[0] == many[0] == [m.listing_id for m in reversed(matches)]  # newest first
    assert _ids(oldest) == [m.listing_id for m in matches[:2]]
    assert "1–2 of 3 listings" in many[1] and "3–3 of 3 listings" in many[2]
    assert listings_count(filters=ListingFilters(neighborhood="baluwatar", price_min=50_000_000,
                                                 price_max=200_000_000)) == 3
    # the session, the broker picker's directory, the market index's one Query, the page's brokers: on
    # either page, with 5 listings or with 13; no COUNT
    assert few[3:] == many[3:]
    assert many[3] == {"GetItem": 1, "Query": 2, "BatchGetItem": 1}


def test_any_status_makes_the_same_calls_on_every_page_however_many_listings_and_no_count(
        signed_in, listing_factory, monkeypatch, dynamodb_calls):
    monkeypatch.setattr(admin_views, "LISTINGS_PAGE", 3)
    made = [listing_factory(status=status) for status in ("active", "active", "active", "draft", "pending_review")]
    browser = signed_in("admin")
    browser.get("/admin/listings/")

    def measured() -> list:
        dynamodb_calls.reset()
        first = browser.get("/admin/listings/", {"status": "any"})
        first_calls = dynamodb_calls.count()
        dynamodb_calls.reset()
        second = browser.get("/admin/listings/", _query(first.context["pager"]["next"]))
        return [visible_text(first.content), visible_text(second.content), first_calls, dynamodb_calls.count(),
                _ids(first) + _ids(second)]

    few = measured()
    made += [listing_factory(status="active") for _ in range(4)]
    many = measured()

    assert "1–3 of 5 listings" in few[0] and "4–5 of 5 listings" in few[1]
    assert "1–3 of 9 listings" in many[0] and "4–6 of 9 listings" in many[1]
    assert many[4] == [m.listing_id for m in reversed(made)][:6]  # newest status change first
    # on either page, with 5 listings as with 9: the session, the broker picker's directory, one Query per
    # status (its keys, read whole: their number is the total, no COUNT), the listings shown and their brokers
    assert few[2] == few[3] == many[2] == many[3] == {"GetItem": 1, "Query": 1 + 9, "BatchGetItem": 2}


def test_any_status_reads_whole_only_the_listings_it_shows(signed_in, listing_factory, monkeypatch, dynamodb_calls):
    monkeypatch.setattr(admin_views, "LISTINGS_PAGE", 2)
    made = [listing_factory(status=status) for status in ("active", "active", "draft", "draft", "pending_review")]
    browser = signed_in("admin")
    browser.get("/admin/listings/")
    dynamodb_calls.reset()

    page = browser.get("/admin/listings/", {"status": "any"})

    status_reads = [asked for asked in dynamodb_calls.asked("Query", "gsi5")
                    if asked["ExpressionAttributeValues"][":0"]["S"].startswith("STATUS#") and "Select" not in asked]
    listing_reads = [key for name, asked in dynamodb_calls.requests if name == "BatchGetItem"
                     for table in asked["RequestItems"].values() for key in table["Keys"]
                     if key["pk"]["S"].startswith("LISTING#")]
    assert _ids(page) == [m.listing_id for m in reversed(made)][:2]
    assert len(status_reads) == 9  # one per status, each of its listings' keys and status change only
    assert all("title" not in asked.get("ExpressionAttributeNames", {}).values() and "ProjectionExpression" in asked
               for asked in status_reads)
    assert sorted(key["pk"]["S"] for key in listing_reads) == sorted(f"LISTING#{i}" for i in _ids(page))
