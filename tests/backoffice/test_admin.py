"""Admins: moderation (one, bulk, checks), listings (filters, CSV, edit, history), people, brokers, reports."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from django.test import override_settings

from backoffice import cognito
from backoffice.templatetags.shikhar import cell
from marketplace.aws import client
from marketplace.config import settings
from marketplace.events import Queue
from marketplace.market import MARKET_ATTRIBUTES
from marketplace.models import (
    AuditEntry,
    BrokerProfile,
    Listing,
    OutboxEvent,
    Session,
    Subscription,
    UserProfile,
)
from marketplace.selectors import reports
from marketplace.selectors.listings import listing_get, listing_history
from marketplace.selectors.media import media_for_listing, media_get
from marketplace.services.media import media_replace_upload, media_request_upload
from marketplace.services.people import (
    broker_verify,
    subscription_grant,
    user_groups_change,
    user_profile_sync,
)
from tests.media_pipeline.helpers import upload_drawn
from tests.shared.daily_reports import deliver_daily_reports
from tests.shared.lifecycle import listing_act
from tests.shared.pages import visible_text
from tests.shared.people import PASSWORD


def test_dashboard_shows_the_pending_count_and_status_counts(signed_in, listing_factory):
    listing_factory(status="pending_review")
    listing_factory(status="pending_review")
    listing_factory(status="active")
    browser = signed_in("admin")

    response = browser.get("/admin/")

    assert response.status_code == 200
    assert response.context["pending"] == 2
    assert response.context["counts"]["active"] == 1
    assert response.context["counts"]["pending_review"] == 2
    assert response.context["oldest"] is not None


def test_the_dashboard_names_people_not_ids(signed_in, people):
    buyer = people["buyer"]
    user_profile_sync(user_id=buyer.user_id, email=buyer.email, groups=["buyers"], name="Sita Rai")
    subscription_grant(actor=people["admin"].actor, user_id=buyer.user_id, tier="premium", reason="eSewa 7F3K",
                       expires_at=datetime.now(UTC) + timedelta(days=5), expected_version=None)
    browser = signed_in("admin")

    text = visible_text(browser.get("/admin/").content)

    assert "Sita Rai" in text and buyer.user_id not in text


def test_the_queue_lists_pending_listings_oldest_first_with_their_checks(signed_in, listing_factory):
    first = listing_factory(status="pending_review", title="First house submitted")
    second = listing_factory(status="pending_review", title="Second house, call 9841234567",
                             description="Call 9841234567 or write to owner@example.com")
    browser = signed_in("admin")

    response = browser.get("/admin/moderation/")

    entries = response.context["page"].items
    assert [e.listing.listing_id for e in entries] == [first.listing_id, second.listing_id]
    contacts = {e.listing.listing_id: next(c for c in e.checks if c.name == "contacts") for e in entries}
    assert contacts[first.listing_id].passed is True
    assert contacts[second.listing_id].passed is False
    assert "9841234567" in contacts[second.listing_id].detail
    # and a check that passed with nothing to name shows no detail (no "(—)")
    required = next(c for c in entries[0].checks if c.name == "required")
    assert required.passed is True and required.detail == ""
    assert "(—)" not in response.content.decode()


def test_approving_from_the_review_page_goes_through_the_lifecycle_audits_and_notifies(signed_in, listing_factory, people):
    listing = listing_factory(status="pending_review")
    browser = signed_in("admin")

    response = browser.post(f"/admin/moderation/{listing.listing_id}/",
                            {"action": "approve", "expected_version": listing.version, "premium": "on"})

    assert response.status_code == 302
    stored = listing_get(listing_id=listing.listing_id)
    assert stored.status == "active"
    assert stored.premium is True
    approval = listing_history(listing_id=listing.listing_id)[0]
    assert approval.action == "approve"
    assert approval.actor_id == people["admin"].user_id
    events = [e.detail_type for e in OutboxEvent.scan() if listing.listing_id in e.detail]
    assert "ListingApproved" in events


def test_rejecting_needs_a_reason_and_shows_the_error(signed_in, listing_factory):
    listing = listing_factory(status="pending_review")
    browser = signed_in("admin")

    response = browser.post(f"/admin/moderation/{listing.listing_id}/",
                            {"action": "reject", "expected_version": listing.version, "reason": ""}, follow=True)

    assert response.status_code == 200
    assert "Reject needs a reason" in response.content.decode()
    assert listing_get(listing_id=listing.listing_id).status == "pending_review"


def test_a_stale_version_is_refused_as_a_conflict(signed_in, listing_factory):
    listing = listing_factory(status="pending_review")
    browser = signed_in("admin")

    response = browser.post(f"/admin/moderation/{listing.listing_id}/",
                            {"action": "approve", "expected_version": listing.version - 1}, follow=True)

    assert "changed by someone else" in response.content.decode()
    assert listing_get(listing_id=listing.listing_id).status == "pending_review"


def test_coming_soon_needs_a_future_public_date(signed_in, listing_factory):
    listing = listing_factory(status="pending_review")
    browser = signed_in("admin")
    public_at = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")

    browser.post(f"/admin/moderation/{listing.listing_id}/",
                 {"action": "approve_coming_soon", "expected_version": listing.version, "public_at": public_at})

    stored = listing_get(listing_id=listing.listing_id)
    assert stored.status == "coming_soon"
    assert stored.public_at > datetime.now(UTC)


def test_bulk_reject_with_a_reason(signed_in, listing_factory):
    listings = [listing_factory(status="pending_review") for _ in range(3)]
    browser = signed_in("admin")

    browser.post("/admin/moderation/", {"listing_ids": [l.listing_id for l in listings[:2]], "action": "reject",
                                        "reason": "Photos are of another property",
                                        **{f"version-{l.listing_id}": l.version for l in listings}})

    statuses = [listing_get(listing_id=l.listing_id).status for l in listings]
    assert statuses == ["rejected", "rejected", "pending_review"]
    assert listing_get(listing_id=listings[0].listing_id).rejection_reason == "Photos are of another property"


def test_bulk_reject_without_a_reason_changes_nothing(signed_in, listing_factory):
    listing = listing_factory(status="pending_review")
    browser = signed_in("admin")

    response = browser.post("/admin/moderation/", {"listing_ids": [listing.listing_id], "action": "reject",
                                                   f"version-{listing.listing_id}": listing.version}, follow=True)

    assert "Reject needs a reason" in response.content.decode()
    assert listing_get(listing_id=listing.listing_id).status == "pending_review"


def _pending(n: int, broker_id: str) -> None:
    start = datetime.now(UTC) - timedelta(days=2)
    with Listing.batch_write() as batch:
        for i in range(n):
            listing = Listing(listing_id=f"01pending{i:017d}", title=f"Pending house number {i}", property_type="house",
                              neighborhood="sanepa", broker_id=broker_id, status="pending_review", price=45_000_000 + i,
                              land_area_sqft=2738, status_changed_at=start + timedelta(minutes=i))
            listing.derive_keys()
            batch.save(listing)


def test_the_queue_with_200_pending_listings_costs_a_fixed_number_of_calls(signed_in, people, dynamodb_calls):
    browser = signed_in("admin")
    _pending(200, people["broker"].user_id)
    dynamodb_calls.operations.clear()

    response = browser.get("/admin/moderation/")

    assert len(response.context["page"].items) == 200
    listing_reads = [op for op in dynamodb_calls.operations if op == "Query"]
    # One Query for the queue, one on the feed for the price bands, one for the media awaiting review;
    # the session is one GetItem; the brokers of the page one BatchGetItem.
    assert dynamodb_calls.operations.count("GetItem") == 1
    assert dynamodb_calls.operations.count("BatchGetItem") == 1
    assert len(listing_reads) == 1 + 1 + 1
    assert len(dynamodb_calls.operations) == 5


def test_listings_filter_by_neighbourhood_and_price(signed_in, listing_factory):
    cheap = listing_factory(status="active", price="2 crore")
    listing_factory(status="active", price="9 crore")
    listing_factory(status="active", neighborhood="sanepa", latitude="27.6847", longitude="85.3064", price="2 crore")
    browser = signed_in("admin")

    response = browser.get("/admin/listings/", {"status": "active", "neighborhood": "budhanilkantha",
                                                "price_max": "3,00,00,000"})

    assert [l.listing_id for l in response.context["page"].items] == [cheap.listing_id]


def test_listings_export_as_csv_with_reso_names(signed_in, listing_factory):
    listing = listing_factory(status="active")
    browser = signed_in("admin")

    response = browser.get("/admin/listings/", {"status": "active", "format": "csv"})

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert [(r["ListingKey"], r["StandardStatus"], r["ListPrice"]) for r in rows] == [
        (listing.listing_id, "Active", "45000000")]


def test_an_admin_edit_shows_domain_errors_on_their_fields(signed_in, listing_factory):
    listing = listing_factory(status="active")
    browser = signed_in("admin")
    page = browser.get(f"/admin/listings/{listing.listing_id}/")
    data = {k: v for k, v in page.context["form"].initial.items() if v not in (None, False)}

    response = browser.post(f"/admin/listings/{listing.listing_id}/",
                            {**data, "bedrooms": "many", "land_area": "1-20-0-0", "expected_version": listing.version})

    errors = response.context["form"].errors
    assert errors["bedrooms"] == ["'many' is not a whole number"]
    assert "aana must be under 16" in errors["land_area"][0]
    assert listing_get(listing_id=listing.listing_id).bedrooms == 4


def test_an_admin_edit_is_saved_and_appears_in_the_history(signed_in, listing_factory, people):
    listing = listing_factory(status="active")
    browser = signed_in("admin")
    data = {k: v for k, v in browser.get(f"/admin/listings/{listing.listing_id}/").context["form"].initial.items()
            if v not in (None, False)}

    browser.post(f"/admin/listings/{listing.listing_id}/", {**data, "price": "5 crore", "expected_version": listing.version})
    page = browser.get(f"/admin/listings/{listing.listing_id}/")

    assert listing_get(listing_id=listing.listing_id).price == 50_000_000
    latest = page.context["history"][0]
    assert latest["entry"].action == "admin_edit"
    assert latest["entry"].actor_id == people["admin"].user_id
    assert latest["entry"].changes["price"] == {"before": 45_000_000, "after": 50_000_000}
    assert latest["lines"] == ["Price: Rs 4.5 crore → Rs 5 crore"]
    assert "5,00,00,000" in page.content.decode()
    assert [(h.change_type, h.previous_price, h.price) for h in page.context["price_history"]] == [
        ("NewListing", None, 45_000_000), ("PriceChange", 45_000_000, 50_000_000)]
    assert "+11.1%" in page.content.decode()


def test_unpublish_needs_a_reason_then_withdraws(signed_in, listing_factory):
    listing = listing_factory(status="active")
    browser = signed_in("admin")

    browser.post(f"/admin/listings/{listing.listing_id}/action/", {"action": "unpublish", "reason": "Sold elsewhere",
                                                                  "expected_version": listing.version})

    assert listing_get(listing_id=listing.listing_id).status == "withdrawn"


def test_an_action_without_the_version_the_page_was_opened_at_is_refused(signed_in, listing_factory):
    listing = listing_factory(status="active")
    browser = signed_in("admin")

    response = browser.post(f"/admin/listings/{listing.listing_id}/action/",
                            {"action": "unpublish", "reason": "Sold elsewhere"}, follow=True)

    assert "reload the listing" in response.content.decode()
    assert listing_get(listing_id=listing.listing_id).status == "active"


def test_removing_a_role_changes_cognito_and_ends_that_persons_sessions(signed_in, people):
    broker_browser = signed_in("broker")
    broker = people["broker"]
    admin_browser = signed_in("admin")
    assert Session.owner_index.count(f"SESSIONS#{broker.user_id}") == 1

    admin_browser.post(f"/admin/people/{broker.user_id}/", {"form": "groups", "groups-groups": [],
                                                           "groups-shown": ["brokers"],
                                                           "groups-reason": "Left the company"})

    assert UserProfile.get(*UserProfile.key(broker.user_id)).groups == []
    assert Session.owner_index.count(f"SESSIONS#{broker.user_id}") == 0
    assert broker_browser.get("/broker/")["Location"].startswith("/login/")


def test_groups_changed_from_a_stale_person_page_are_refused(signed_in, people):
    # Given a broker's page as an admin opened it, and an investor role another admin added meanwhile
    broker = people["broker"]
    user_profile_sync(user_id=broker.user_id, email=broker.email, groups=["brokers"])  # made at their sign-in
    admin_browser = signed_in("admin")
    page = admin_browser.get(f"/admin/people/{broker.user_id}/").content.decode()
    assert 'name="groups-shown" value="brokers"' in page
    user_groups_change(actor=people["admin"].actor, user_id=broker.user_id, add=["investors"],
                       expected_groups=["brokers"], reason="signed NDA")

    # When the first admin makes them a seller as well from that page
    response = admin_browser.post(f"/admin/people/{broker.user_id}/", {
        "form": "groups", "groups-groups": ["brokers", "sellers"], "groups-shown": ["brokers"],
        "groups-reason": "also sells"}, follow=True)

    # Then they are told to reload, and the other admin's change stands
    assert "This list of groups was changed by someone else since you opened it; reload" in response.content.decode()
    assert UserProfile.get(*UserProfile.key(broker.user_id)).groups == ["brokers", "investors"]
    groups = client("cognito-idp").admin_list_groups_for_user(UserPoolId=settings().user_pool_id,
                                                             Username=broker.user_id)["Groups"]
    assert sorted(g["GroupName"] for g in groups) == ["brokers", "investors"]


def _apps_sign_in(email: str) -> dict:
    """Signed in through the apps client, as the buyers' apps are: the tokens."""
    return client("cognito-idp").initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH", ClientId=settings().user_pool_client_id,
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]


def test_people_cannot_move_their_account_to_an_email_they_do_not_hold(people):
    # Given a seller signed in through the apps client (which writes email and name: sign-up sets them)
    tokens = _apps_sign_in(people["seller"].email)
    idp = client("cognito-idp")

    # When they set another email through it
    idp.update_user_attributes(AccessToken=tokens["AccessToken"],
                               UserAttributes=[{"Name": "email", "Value": "x@elsewhere.example"}])

    # Then Cognito, and so the back office, still has the verified one (the new one waits for its code)
    assert cognito.current_identity(people["seller"].user_id).email == people["seller"].email


def test_a_role_is_removed_by_sub_even_after_the_email_changed(signed_in, people):
    # Given a broker with a session, whose email was changed in Cognito after signing in
    broker = people["broker"]
    refresh = _apps_sign_in(broker.email)["RefreshToken"]  # their app, before TOTP was set up
    broker_browser = signed_in("broker")
    idp = client("cognito-idp")
    idp.admin_update_user_attributes(UserPoolId=settings().user_pool_id, Username=broker.user_id,
                                     UserAttributes=[{"Name": "email", "Value": "renamed@test.shikhar.np"}])

    # When an admin removes their role
    response = signed_in("admin").post(f"/admin/people/{broker.user_id}/", {
        "form": "groups", "groups-groups": [], "groups-shown": ["brokers"], "groups-reason": "Left the company"})

    # Then the Cognito group is gone, every session ended, and Cognito signed them out everywhere
    assert response.status_code == 302
    assert idp.admin_list_groups_for_user(UserPoolId=settings().user_pool_id, Username=broker.user_id)["Groups"] == []
    assert broker_browser.get("/broker/")["Location"].startswith("/login/")
    with pytest.raises(ClientError):
        idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=settings().user_pool_client_id,
                          AuthParameters={"REFRESH_TOKEN": refresh})


def test_a_subscription_changed_from_a_stale_person_page_is_refused(signed_in, people):
    # Given a buyer's page opened while they had no subscription
    browser = signed_in("admin")
    buyer = people["buyer"]
    user_profile_sync(user_id=buyer.user_id, email=buyer.email, groups=["buyers"])
    page = browser.get(f"/admin/people/{buyer.user_id}/").content.decode()
    assert 'name="sub-expected_version"' in page
    # and a payment granted one meanwhile
    subscription_grant(actor=people["admin"].actor, user_id=buyer.user_id, tier="investor",
                       expires_at=datetime(2031, 1, 31, tzinfo=UTC), reason="Khalti order 9", expected_version=None)

    # When the admin grants from that page
    response = browser.post(f"/admin/people/{buyer.user_id}/", {
        "form": "subscription", "sub-operation": "grant", "sub-tier": "premium", "sub-expires_at": "2030-01-31",
        "sub-reason": "eSewa payment 7F3K verified", "sub-expected_version": ""}, follow=True)

    # Then they are told to reload, and the paid term stands
    assert "This subscription was changed by someone else since you opened it; reload" in response.content.decode()
    assert Subscription.get(*Subscription.key(buyer.user_id)).tier == "investor"


def test_granting_a_subscription_needs_a_reason_and_is_audited(signed_in, people):
    browser = signed_in("admin")
    buyer = people["buyer"]
    user_profile_sync(user_id=buyer.user_id, email=buyer.email, groups=["buyers"])  # made at their API sign-in

    refused = browser.post(f"/admin/people/{buyer.user_id}/", {"form": "subscription", "sub-operation": "grant",
                                                               "sub-tier": "premium", "sub-expires_at": "2030-01-31"})
    granted = browser.post(f"/admin/people/{buyer.user_id}/", {"form": "subscription", "sub-operation": "grant",
                                                               "sub-tier": "premium", "sub-expires_at": "2030-01-31",
                                                               "sub-reason": "eSewa payment 7F3K verified"})

    assert refused.status_code == 200 and refused.context["subscription_form"].errors["reason"]
    assert granted.status_code == 302
    subscription = Subscription.get(*Subscription.key(buyer.user_id))
    assert (subscription.tier, subscription.expires_at.date().isoformat()) == ("premium", "2030-01-31")
    audit = list(AuditEntry.query(f"AUDIT#subscription#{buyer.user_id}"))
    assert [(a.action, a.reason) for a in audit] == [("grant", "eSewa payment 7F3K verified")]
    # the day chosen is the day shown, though 23:59:59 UTC is already the next morning in Kathmandu
    assert "to 31 Jan 2030" in browser.get(f"/admin/people/{buyer.user_id}/").content.decode()


def _shown_version(page, broker_id: str) -> int:
    return next(b.version for b in page.context["page"] if b.broker_id == broker_id)


def test_verifying_a_broker(signed_in, people):
    browser = signed_in("admin")
    shown = _shown_version(browser.get("/admin/brokers/"), people["broker"].user_id)

    browser.post("/admin/brokers/", {"broker_id": people["broker"].user_id, "verified": "on",
                                     "expected_version": shown})
    page = browser.get("/admin/brokers/")

    verified = {b.broker_id: b.verified for b in page.context["page"]}
    assert verified == {people["broker"].user_id: True, people["other_broker"].user_id: False}


def test_verifying_a_broker_from_a_stale_page_is_refused_and_changes_nothing(signed_in, people):
    # Given an admin's brokers page, opened before another admin verified the broker
    browser = signed_in("admin")
    broker_id = people["broker"].user_id
    shown = _shown_version(browser.get("/admin/brokers/"), broker_id)
    broker_verify(actor=people["admin"].actor, broker_id=broker_id, verified=True, expected_version=shown)

    # When the first admin withdraws the verification from the page they opened
    answer = browser.post("/admin/brokers/", {"broker_id": broker_id, "reason": "licence lapsed",
                                              "expected_version": shown}, follow=True)

    # Then they are told to reload, and the broker stays verified
    assert "reload" in answer.content.decode()
    assert BrokerProfile.get_or_not_found(broker_id).verified is True


def test_reports_render_and_export_one_report_per_csv(signed_in, listing_factory, platform):
    listing = listing_factory(status="active")
    deliver_daily_reports(platform.queues[Queue.DAILY_REPORTS])
    browser = signed_in("admin")

    page = browser.get("/admin/reports/", {"days": 365})
    demand = browser.get("/admin/reports/", {"report": "demand", "format": "csv"})
    turnaround = browser.get("/admin/reports/", {"report": "turnaround", "format": "csv"})

    assert page.status_code == 200 and page.context["days"] == 365
    assert b"<svg" in page.content
    assert [s["report"].title for s in page.context["sections"]] == [r.title for r in reports.REPORTS.values()]
    rows = {r["neighbourhood"]: r for r in csv.DictReader(io.StringIO(demand.content.decode()))}
    assert rows["Budhanilkantha"]["listed"] == "1"
    decisions = list(csv.DictReader(io.StringIO(turnaround.content.decode())))
    assert [(d["listing"], d["decision"]) for d in decisions] == [(listing.title, "approve")]
    assert listing.title.encode() in page.content
    # the page says the decision in words (the CSV keeps the code)
    turnaround_table = page.content.decode().split("Moderation turnaround")[1]
    assert "<td>Approved</td>" in turnaround_table and "<td>approve</td>" not in turnaround_table


def test_a_report_page_makes_the_same_calls_for_a_week_and_a_year_and_a_csv_reads_only_its_report(
        signed_in, listing_factory, platform, dynamodb_calls):
    listing_factory(status="active")
    deliver_daily_reports(platform.queues[Queue.DAILY_REPORTS])
    browser = signed_in("admin")

    def calls(**query) -> dict[str, int]:
        dynamodb_calls.reset()
        assert browser.get("/admin/reports/", query).status_code == 200
        return dynamodb_calls.count()

    week, year = calls(days=7), calls(days=365)
    demand, turnaround = calls(report="demand", format="csv"), calls(report="turnaround", format="csv")

    assert week == year
    # demand: views, favorites and inquiries of the window and what is listed now; turnaround: the
    # window's decisions (titles are kept with them)
    assert demand["Query"] - turnaround["Query"] == 3 + 1 - 1
    assert year["Query"] - turnaround["Query"] == 4 + 1 + 1 - 1


def test_the_market_figures_read_only_the_market_attributes_of_each_listed_property(
        signed_in, listing_factory, dynamodb_calls):
    # Given listed properties (a whole listing is kilobytes: description, media, price history) and one
    # waiting for review
    listing_factory(status="active", price="4 crore")
    listing_factory(status="active", price="5 crore")
    listing_factory(status="pending_review")
    browser = signed_in("admin")
    dynamodb_calls.reset()

    # When the reports page and the moderation queue work out the market's figures
    demand = browser.get("/admin/reports/", {"report": "demand", "format": "csv"})
    queue = browser.get("/admin/moderation/")

    # Then each reads the feed asking for the market's attributes alone, and the figures are whole
    feed = dynamodb_calls.asked("Query", Listing.feed_index.Meta.index_name)
    assert len(feed) == 2
    for asked in feed:
        names = {asked["ExpressionAttributeNames"][n.strip()] for n in asked["ProjectionExpression"].split(",")}
        assert names == set(MARKET_ATTRIBUTES)
    rows = {r["neighbourhood"]: r for r in csv.DictReader(io.StringIO(demand.content.decode()))}
    assert rows["Budhanilkantha"]["listed"] == "2" and rows["Budhanilkantha"]["median_price_per_ropani"]
    assert queue.status_code == 200 and len(queue.context["page"].items) == 1


def test_a_window_longer_than_a_year_is_refused_by_name(signed_in):
    browser = signed_in("admin")

    page = browser.get("/admin/reports/", {"days": 400}, follow=True)

    assert page.status_code == 200 and page.context["days"] == 30
    assert any("days: choose a whole number from 1 to 366" in str(m) for m in page.context["messages"])


def test_a_report_shows_zero_as_zero_and_nothing_as_a_dash():
    assert (cell(0, "hours"), cell(0, "money"), cell(None, "hours"), cell(150_000, "number")) == \
        ("0", "Rs 0", "—", "1,50,000")


def test_a_broker_cannot_open_admin_pages(signed_in):
    browser = signed_in("broker")

    assert browser.get("/admin/").status_code == 403
    assert browser.get("/admin/moderation/").status_code == 403


def test_a_role_removed_outside_the_back_office_ends_the_session_at_the_next_check(signed_in, people):
    # Given a signed-in broker, whose role someone removes in Cognito directly (the console, another tool)
    broker = people["broker"]
    browser = signed_in("broker")
    assert browser.get("/broker/").status_code == 200
    client("cognito-idp").admin_remove_user_from_group(UserPoolId=settings().user_pool_id, Username=broker.user_id,
                                                       GroupName="brokers")

    # When the session is due its check against Cognito
    with override_settings(SHIKHAR_SESSION_RECHECK_SECONDS=0):
        response = browser.get("/broker/")

    # Then it has ended
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert Session.owner_index.count(f"SESSIONS#{broker.user_id}") == 0


def test_sessions_take_the_email_and_roles_cognito_has_now(signed_in, people):
    admin = people["admin"]
    browser = signed_in("admin")
    idp = client("cognito-idp")
    idp.admin_update_user_attributes(UserPoolId=settings().user_pool_id, Username=admin.user_id,
                                     UserAttributes=[{"Name": "email", "Value": "asha@test.shikhar.np"}])
    idp.admin_add_user_to_group(UserPoolId=settings().user_pool_id, Username=admin.user_id, GroupName="brokers")

    with override_settings(SHIKHAR_SESSION_RECHECK_SECONDS=0):
        page = browser.get("/admin/")

    assert page.context["actor"].email == "asha@test.shikhar.np"
    assert page.context["actor"].is_broker


def test_media_added_to_a_published_listing_are_reviewed_from_the_queue(signed_in, listing_factory, people):
    listing = listing_factory(status="active")
    slot = media_request_upload(listing_id=listing.listing_id, kind="photo", actor=people["broker"].actor,
                                content_type="image/jpeg", size=1000, filename="terrace.jpg")
    assert slot.media.review == "pending"
    browser = signed_in("admin")
    url = f"/admin/moderation/{listing.listing_id}/media/{slot.media.media_id}/"

    early = browser.post(url, {"decision": "approve", "expected_version": slot.media.version}, follow=True)
    rejected = browser.post(url, {"decision": "reject", "expected_version": slot.media.version})

    assert "Only processed media can be approved" in early.content.decode()
    assert rejected.status_code == 302
    assert [m.filename for m in media_for_listing(listing_id=listing.listing_id)] == ["photo-1.jpg", "photo-2.jpg"]


def test_media_approved_from_a_stale_queue_is_refused_and_keeps_waiting(signed_in, listing_factory, people):
    # Given a photo added to a published listing, waiting for review, as the admin's queue showed it
    listing = listing_factory(status="active")
    broker = people["broker"].actor
    shown = upload_drawn(listing, broker, seed=3)
    browser = signed_in("admin")
    queue = browser.get("/admin/moderation/").content.decode()
    item = queue.split(f'data-media-id="{shown.media_id}"')[1].split("</li>")[0]
    assert f'name="expected_version" value="{shown.version}"' in item
    # and the broker replaced the file meanwhile
    media_replace_upload(listing_id=listing.listing_id, media_id=shown.media_id, actor=broker,
                         content_type="image/jpeg", size=1000, filename="other.jpg", expected_version=shown.version)

    # When the admin approves what the queue showed
    response = browser.post(f"/admin/moderation/{listing.listing_id}/media/{shown.media_id}/",
                            {"decision": "approve", "expected_version": shown.version}, follow=True)

    # Then they are told to reload, and the photo still waits, unserved
    assert response.status_code == 200
    assert "This media item was changed by someone else since you opened it; reload" in response.content.decode()
    stored = media_get(listing_id=listing.listing_id, media_id=shown.media_id)
    assert stored.proposed is not None and not stored.served


def test_bulk_approve_takes_each_row_at_the_version_it_showed(signed_in, listing_factory, people):
    # Given the queue showing two listings, one of which the broker withdraws meanwhile
    first, second = listing_factory(status="pending_review"), listing_factory(status="pending_review")
    browser = signed_in("admin")
    queue = browser.get("/admin/moderation/").content.decode()
    shown = {l.listing_id: l.version for l in (first, second)}
    for listing_id, version in shown.items():
        assert f'name="version-{listing_id}" value="{version}"' in queue
    listing_act(actor=people["broker"].actor, listing_id=second.listing_id, action="withdraw")

    # When the admin approves both from that page
    response = browser.post("/admin/moderation/", {"listing_ids": list(shown), "action": "approve",
                                                   **{f"version-{i}": v for i, v in shown.items()}}, follow=True)

    # Then the first is approved and the second is refused as changed, left as the broker left it
    text = response.content.decode()
    assert "Approved: 1 of 2 listings" in text and "changed by someone else" in text
    assert listing_get(listing_id=first.listing_id).status == "active"
    assert listing_get(listing_id=second.listing_id).status == "withdrawn"


def test_a_bulk_post_without_the_rows_versions_changes_nothing(signed_in, listing_factory):
    listing = listing_factory(status="pending_review")
    browser = signed_in("admin")

    response = browser.post("/admin/moderation/", {"listing_ids": [listing.listing_id], "action": "approve"},
                            follow=True)

    assert "the version you opened is required" in response.content.decode()
    assert listing_get(listing_id=listing.listing_id).status == "pending_review"


def test_the_review_page_offers_the_lifecycles_decisions_only_while_pending(signed_in, listing_factory):
    pending, active = listing_factory(status="pending_review"), listing_factory(status="active")
    browser = signed_in("admin")

    waiting = browser.get(f"/admin/moderation/{pending.listing_id}/").content.decode()
    decided = browser.get(f"/admin/moderation/{active.listing_id}/").content.decode()

    assert re.findall(r'name="action" value="(\w+)"', waiting) == [
        "approve", "approve_coming_soon", "request_changes", "reject"]
    assert 'name="action"' not in decided and "not waiting for review" in decided
