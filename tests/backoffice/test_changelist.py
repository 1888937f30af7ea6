"""The admin's listings list as a changelist: the broker picked by name, an exact total, previous and next
pages with the filters kept, and the status-change column sorting either way."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from django.urls import resolve

from backoffice.places import PLACES
from backoffice.views import admin as admin_views
from backoffice.views import broker as broker_views
from marketplace.entitlements import Entitlements
from marketplace.models import Agency, BrokerProfile, UserProfile
from marketplace.services.engagement import inquiry_create
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


def test_every_filter_of_the_listings_offers_any(signed_in):
    page = signed_in("admin").get("/admin/listings/").content.decode()

    blanks = re.findall(r'<select name="(\w+)"[^>]*>\s*<option value="(?:|any)"[^>]*>([^<]*)</option>', page)

    assert dict(blanks) == {"status": "Any status", "neighborhood": "any", "broker_id": "any", "premium": "any",
                            "order": "newest status change first"}  # the order is a choice, not a filter


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
    oldest_first = browser.get("/admin/listings/", _query(newest_first.context["sort"]["href"]))

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


def _trail(page) -> str | None:
    found = re.search(r'<nav class="breadcrumbs".*?</nav>', page.content.decode(), re.DOTALL)
    return visible_text(found.group(0).encode()).strip() if found else None


def _current_nav(page) -> list[str]:
    main = re.search(r'<nav aria-label="Main">(.*?)</nav>', page.content.decode(), re.DOTALL).group(1)
    return re.findall(r'aria-current="page">([^<]+)<', main)


def test_every_page_below_a_section_shows_its_trail_and_marks_its_section(signed_in, listing_factory, people):
    listed, pending = listing_factory(status="active"), listing_factory(status="pending_review")
    agency_id = BrokerProfile.get(*BrokerProfile.key(people["broker"].user_id)).agency_id
    agency = Agency.get(*Agency.key(agency_id))
    admin, broker = signed_in("admin"), signed_in("broker")
    someone = UserProfile.get(*UserProfile.key(people["broker"].user_id))  # signed in: their profile exists
    expected = [  # (who, URL, trail, section marked)
        (admin, f"/admin/listings/{listed.listing_id}/", f"Listings {listed.title}", "Listings"),
        (admin, f"/admin/moderation/{pending.listing_id}/", f"Moderation {pending.title}", "Moderation"),
        (admin, f"/admin/people/{someone.user_id}/", f"People {someone.name or someone.email}", "People"),
        (admin, f"/admin/people/{someone.user_id}/saved-searches/",
         f"People {someone.name or someone.email} Saved searches", "People"),
        (admin, f"/admin/agencies/{agency_id}/", f"Agencies {agency.name}", "Agencies"),
        (admin, f"/listings/{listed.listing_id}/documents/", f"Listings {listed.title} Documents", "Listings"),
        (broker, f"/broker/listings/{listed.listing_id}/", f"My inventory {listed.title}", "My inventory"),
        (broker, "/broker/listings/new/", "My inventory New listing", "My inventory"),
        (broker, "/broker/viewings/", "Leads Viewing requests", "Leads"),
        (broker, f"/listings/{listed.listing_id}/documents/", f"My inventory {listed.title} Documents", "My inventory"),
    ]
    tops = [(admin, "/admin/listings/", "Listings"), (admin, "/admin/reports/", "Reports"),
            (broker, "/broker/", "My inventory"), (broker, "/broker/leads/", "Leads")]

    shown = [(url, _trail(page), _current_nav(page))
             for browser, url, *_ in expected for page in [browser.get(url)]]
    at_top = [(url, _trail(page), _current_nav(page)) for browser, url, _ in tops for page in [browser.get(url)]]

    assert shown == [(url, trail, [section]) for _, url, trail, section in expected]
    assert at_top == [(url, None, [section]) for _, url, section in tops]
    # every page the registry places is checked here (adding a document or the licence evidence is a POST)
    assert {resolve(url).url_name for _, url, *_ in expected} == set(PLACES) - {"document-slot",
                                                                                 "agency-evidence-slot"}



def _ids(page) -> list[str]:
    items = page.context["page"]
    return [item.listing_id for item in getattr(items, "items", items)]


def _walk(browser, url: str, asked: dict) -> list:
    """Every page of a list from its first, by the rel=next links."""
    pages = [browser.get(url, asked)]
    while pages[-1].context["pager"]["next"]:
        pages.append(browser.get(url, _query(pages[-1].context["pager"]["next"])))
    return pages


def test_any_status_lists_every_status_in_status_change_order_with_badges(signed_in, listing_factory, monkeypatch,
                                                                         dynamodb_calls):
    monkeypatch.setattr(admin_views, "LISTINGS_PAGE", 2)
    made = [listing_factory(status=status) for status in ("active", "draft", "pending_review", "active", "draft")]
    browser = signed_in("admin")

    default = browser.get("/admin/listings/", {"q": ""})
    pages = _walk(browser, "/admin/listings/", {"status": "any"})
    oldest = _walk(browser, "/admin/listings/", {"status": "any", "order": "oldest"})

    assert sorted(_ids(default)) == sorted(l.listing_id for l in made if l.status == "active")
    assert '<option value="active" selected>' in default.content.decode()  # the default shown as chosen
    seen = [i for page in pages for i in _ids(page)]
    assert seen == [l.listing_id for l in reversed(made)]  # newest status change first, across statuses
    assert [i for page in oldest for i in _ids(page)] == [l.listing_id for l in made]
    assert "1–2 of 5 listings" in visible_text(pages[0].content) and "5–5 of 5 listings" in visible_text(pages[2].content)
    assert '<option value="any" selected>Any status</option>' in pages[0].content.decode()
    badges = re.findall(r'class="badge status-(\w+)"', "".join(p.content.decode() for p in pages))
    assert sorted(badges) == sorted(l.status for l in made)
    back = browser.get("/admin/listings/", _query(pages[2].context["pager"]["previous"]))
    assert _ids(back) == _ids(pages[1])
    # one Query per status (read whole, its keys only: no COUNT) and the broker picker's directory, on every page
    dynamodb_calls.reset()
    browser.get("/admin/listings/", {"status": "any"})
    first_calls = dynamodb_calls.count()
    dynamodb_calls.reset()
    browser.get("/admin/listings/", _query(pages[1].context["pager"]["next"]))
    last_calls = dynamodb_calls.count()
    assert first_calls["Query"] == last_calls["Query"] == 9 + 1
    assert last_calls.get("BatchGetItem") == 2  # the listings shown, their brokers


def test_listings_are_found_by_the_brokers_name_whatever_its_case_and_accents(signed_in, listing_factory, people):
    theirs = listing_factory(status="active", broker="other_broker")
    listing_factory(status="active")
    broker = people["other_broker"]
    profile = BrokerProfile.get(*BrokerProfile.key(broker.user_id))
    browser = signed_in("admin")
    renamed = browser.post("/admin/brokers/", {"form": "rename", "broker_id": broker.user_id, "name": "Sītā Śarmā",
                                               "expected_version": profile.version}, follow=True)
    stale = browser.post("/admin/brokers/", {"form": "rename", "broker_id": broker.user_id, "name": "Someone else",
                                             "expected_version": profile.version}, follow=True)

    found = {text: _ids(browser.get("/admin/listings/", {"status": "any", "q": text}))
             for text in ("sita", "SARMA", "Sītā Śarmā", "other_broker")}

    assert found == {"sita": [theirs.listing_id], "SARMA": [theirs.listing_id], "Sītā Śarmā": [theirs.listing_id],
                     "other_broker": []}  # the old name no longer finds them
    assert "Renamed: Sītā Śarmā." in visible_text(renamed.content)
    assert "changed by someone else" in visible_text(stale.content)  # the page's version was out of date
    assert BrokerProfile.get(*BrokerProfile.key(broker.user_id)).name == "Sītā Śarmā"


def test_a_brokers_inventory_filters_sorts_counts_and_pages_with_fixed_calls(signed_in, listing_factory, monkeypatch,
                                                                           dynamodb_calls):
    monkeypatch.setattr(broker_views, "INVENTORY_PAGE", 2)
    made = {title: listing_factory(status=status, title=title, price=price) for title, status, price in (
        ("Villà in Sanepa", "active", "6 crore"), ("Bungalow in Budhanilkantha", "draft", "4 crore"),
        ("Villa by the Bagmati", "draft", "9 crore"), ("Apartment in Jhamsikhel", "active", "3 crore 50 lakh"))}
    listing_factory(status="active", broker="other_broker", title="Villa of another broker")
    browser = signed_in("broker")

    def calls(**asked) -> tuple:
        dynamodb_calls.reset()
        page = browser.get("/broker/", asked)
        return page, dynamodb_calls.count()

    first, first_calls = calls()
    by_price = _walk(browser, "/broker/", {"order": "price"})
    villas, villa_calls = calls(q="VILLA", status="")
    drafts = browser.get("/broker/", {"status": "draft", "order": "-price"})

    assert "1–2 of 4 listings" in visible_text(first.content)
    assert [i for page in by_price for i in _ids(page)] == [made[t].listing_id for t in (
        "Apartment in Jhamsikhel", "Bungalow in Budhanilkantha", "Villà in Sanepa", "Villa by the Bagmati")]
    assert sorted(_ids(villas)) == sorted(made[t].listing_id for t in ("Villà in Sanepa", "Villa by the Bagmati"))
    assert _ids(drafts) == [made[t].listing_id for t in ("Villa by the Bagmati", "Bungalow in Budhanilkantha")]
    assert '<option value="draft" selected>' in drafts.content.decode()
    assert '<option value="-price" selected>Price ↓</option>' in drafts.content.decode()  # the sort as a field too
    # the session, the broker's banner (a BatchGetItem), the inventory (one Query) and the listings to confirm
    assert first_calls == villa_calls and first_calls["Query"] == 2


def test_leads_filter_by_stage_or_any_count_and_sort_with_fixed_calls(signed_in, listing_factory, people,
                                                                      monkeypatch, dynamodb_calls):
    monkeypatch.setattr(broker_views, "LEADS_PAGE", 2)
    listing = listing_factory(status="active")
    leads = [inquiry_create(actor=people["buyer"].actor, listing_id=listing.listing_id, entitlements=Entitlements(),
                            idempotency_key=f"lead-{n}-of-three", name=f"Buyer {n}", phone="+977 9841000000",
                            message="Is it still available?")[0] for n in range(3)]
    browser = signed_in("broker")
    browser.post(f"/broker/leads/{listing.listing_id}/{leads[0].inquiry_id}/state/",
                 {"state": "contacted", "expected_version": leads[0].version, "next": "/broker/leads/?state=any"})

    def calls(**asked) -> tuple:
        dynamodb_calls.reset()
        page = browser.get("/broker/leads/", asked)
        return page, dynamodb_calls.count()

    browser.get("/broker/leads/")  # the session's first page after the move (it saves the session once)
    new, new_calls = calls()
    every, every_calls = calls(state="any")
    _, second_page_calls = calls(**_query(every.context["pager"]["next"]))
    oldest = browser.get("/broker/leads/", _query(every.context["sort"]["href"]))
    contacted = browser.get("/broker/leads/", {"state": "contacted"})

    def ids(page):
        return [i.inquiry_id for i in page.context["page"].items]

    assert ids(new) == [leads[2].inquiry_id, leads[1].inquiry_id] and "1–2 of 2 leads" in visible_text(new.content)
    assert '<option value="new" selected>' in new.content.decode()
    assert "1–2 of 3 leads" in visible_text(every.content) and _query(every.context["pager"]["next"])["state"] == "any"
    assert ids(oldest) == [leads[0].inquiry_id, leads[1].inquiry_id]
    assert ids(contacted) == [leads[0].inquiry_id]
    assert new_calls == every_calls == second_page_calls
    assert new_calls["Query"] == 3  # the page, its COUNT, the broker's viewing requests
