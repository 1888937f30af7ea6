"""Property tests: whatever a signed-in person sends to any back-office form or route, the answer is
never a 5xx (Django's test client raises what a view does not handle, so an unhandled error fails)."""

from __future__ import annotations

import json
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from backoffice.forms import ListingForm, ModerationForm, SubscriptionForm

set_hypothesis_home_dir(tempfile.mkdtemp(prefix="hypothesis-"))
EXAMPLES = 25  # per property: bounded so the suite stays fast
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))

# What people type, and what attackers and fault injection send: numbers of every size and kind.
text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "0", "-1", "1e-999", "1e400", "NaN", "Infinity", "-0", "9" * 45, "27.7" + "1" * 60,
                     "99999999999999999999-5-3", "1-20-0-0", "4.5 crore", "49,999,999.5", "\x00", "💥"]),
    st.integers().map(str), st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)


def form_data(form_class) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({}, optional={name: text for name in form_class.base_fields})


def _no_5xx(response) -> None:
    assert response.status_code < 500, response.content[:300]


def test_the_listing_form_never_answers_a_5xx(signed_in, listing_factory):
    listing = listing_factory()
    browser = signed_in("broker")

    @SETTINGS
    @given(data=form_data(ListingForm), version=text)
    def post(data, version):
        _no_5xx(browser.post("/broker/listings/new/", data))
        _no_5xx(browser.post(f"/broker/listings/{listing.listing_id}/", {**data, "expected_version": version}))

    post()


def test_admin_forms_and_routes_never_answer_a_5xx(signed_in, listing_factory, people):
    listing = listing_factory(status="pending_review")
    browser = signed_in("admin")
    person = people["buyer"].user_id
    routes = ["/admin/", "/admin/moderation/", "/admin/listings/", "/admin/people/", "/admin/brokers/",
              "/admin/reports/", f"/admin/listings/{listing.listing_id}/", f"/admin/people/{person}/"]
    query = st.fixed_dictionaries({}, optional={k: text for k in ("cursor", "status", "q", "price_min", "price_max",
                                                                   "premium", "neighborhood", "days", "report",
                                                                   "format", "broker_id")})

    @SETTINGS
    @given(route=st.sampled_from(routes), params=query, moderation=form_data(ModerationForm),
           edit=form_data(ListingForm), subscription=form_data(SubscriptionForm), action=text)
    def visit(route, params, moderation, edit, subscription, action):
        _no_5xx(browser.get(route, params))
        _no_5xx(browser.post(f"/admin/moderation/{listing.listing_id}/", moderation))
        _no_5xx(browser.post(f"/admin/listings/{listing.listing_id}/", edit))
        _no_5xx(browser.post(f"/admin/listings/{listing.listing_id}/action/", {"action": action,
                                                                               "expected_version": action}))
        _no_5xx(browser.post(f"/admin/people/{person}/", {"form": "subscription", **{
            f"sub-{k}": v for k, v in subscription.items()}}))

    visit()


def test_broker_json_and_media_routes_never_answer_a_5xx(signed_in, listing_factory):
    listing = listing_factory()
    browser = signed_in("broker")
    json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                               lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                                          max_size=4), max_leaves=8)
    slot_body = st.one_of(json_values, st.fixed_dictionaries({}, optional={
        "kind": json_values, "content_type": json_values, "size": json_values, "filename": json_values,
        "media_id": json_values, "expected_version": json_values}))

    @SETTINGS
    @given(body=slot_body, raw=st.binary(max_size=40), operation=text, cursor=text)
    def send(body, raw, operation, cursor):
        _no_5xx(browser.post(f"/broker/listings/{listing.listing_id}/media/slot/", json.dumps(body),
                             content_type="application/json"))
        _no_5xx(browser.post(f"/broker/listings/{listing.listing_id}/media/slot/", raw,
                             content_type="application/json"))
        _no_5xx(browser.post(f"/broker/listings/{listing.listing_id}/media/nosuchmedia/",
                             {"operation": operation, "media_version": cursor, "shown": f"nosuchmedia:{cursor}"}))
        _no_5xx(browser.get("/broker/", {"cursor": cursor, "status": operation}))
        _no_5xx(browser.get("/broker/leads/", {"cursor": cursor, "show": operation}))

    send()
