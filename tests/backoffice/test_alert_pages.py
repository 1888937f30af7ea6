"""Admins' pages for what buyers are sent: a buyer's saved searches (read, turn one off, audited) and the
e-mail suppression list (found by address, reason and date; lifted with a note, audited)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from marketplace.alerts.matching import matching_searches
from marketplace.alerts.searches import saved_search_create
from marketplace.delivery import feedback
from marketplace.delivery.email import is_suppressed
from marketplace.models import AuditEntry, EmailSuppression, SavedSearch
from marketplace.search_index.query import IndexSearch
from marketplace.selectors.search import ListingFilters
from marketplace.services import people as people_services
from tests.shared.mail import bounce, complaint


def _save(buyer, name: str, neighbourhood: str = "sanepa"):
    request = IndexSearch(filters=ListingFilters(neighborhoods=(neighbourhood,)))
    return saved_search_create(actor=buyer, name=name, query={"neighborhood": [neighbourhood]}, request=request,
                               frequency="instant")


def test_an_admin_reads_a_buyers_saved_searches_and_turns_one_off(signed_in, people, listing_factory):
    # given a buyer (with a profile, as the person page needs) with two instant searches
    buyer = people["buyer"]
    people_services.user_profile_sync(user_id=buyer.user_id, email=buyer.email, groups=["buyers"], name="Sita Rai")
    sanepa, other = _save(buyer.actor, "Sanepa homes"), _save(buyer.actor, "Bhaisepati homes", "bhaisepati")
    admin = signed_in("admin")
    url = f"/admin/people/{buyer.user_id}/saved-searches/"
    page = admin.get(url).content.decode()
    assert "Sanepa homes" in page and "Bhaisepati homes" in page and "sanepa" in page
    assert url in admin.get(f"/admin/people/{buyer.user_id}/").content.decode()
    # when the admin turns one off (at the version shown), with a note
    admin.post(url, {"search_id": sanepa.search_id, "expected_version": sanepa.version, "note": "Asked by phone"})
    # then it is off and out of matching, the other untouched, and the change is audited with the note
    stored = SavedSearch.get_or_not_found(buyer.user_id, sanepa.search_id, consistent=True)
    assert stored.frequency == "off"
    assert SavedSearch.get_or_not_found(buyer.user_id, other.search_id, consistent=True).frequency == "instant"
    listing = listing_factory(status="active", neighborhood="sanepa")
    assert sanepa.search_id not in {entry.search_id for entry in matching_searches(listing)}
    [entry] = AuditEntry.history("saved_search", f"{buyer.user_id}#{sanepa.search_id}")
    assert (entry.action, entry.reason, entry.actor_email) == ("switch_off", "Asked by phone", people["admin"].email)
    # and a second page open on the old version is refused, nothing written
    admin.post(url, {"search_id": other.search_id, "expected_version": other.version + 1, "note": ""})
    assert SavedSearch.get_or_not_found(buyer.user_id, other.search_id, consistent=True).frequency == "instant"


def test_a_broker_cannot_open_a_buyers_saved_searches(signed_in, people):
    search = _save(people["buyer"].actor, "Sanepa homes")
    broker = signed_in("broker")
    url = f"/admin/people/{people['buyer'].user_id}/saved-searches/"
    assert broker.get(url).status_code in (302, 403)
    broker.post(url, {"search_id": search.search_id, "expected_version": search.version})
    assert SavedSearch.get_or_not_found(people["buyer"].user_id, search.search_id, consistent=True).frequency == "instant"


def _suppress(*notifications):
    for notification in notifications:
        feedback.handle_message(json.dumps(notification))


def test_an_admin_finds_suppressions_by_address_reason_and_date(signed_in, people):
    _suppress(bounce("gone@example.np"), complaint("angry@example.np"), bounce("typo@gmial.com"))
    old = EmailSuppression(address="old@example.np", reason="bounce", created_at=datetime.now(UTC) - timedelta(days=200))
    old.derive_keys()
    old.save()
    admin = signed_in("admin")
    listed = admin.get("/admin/email-suppressions/")
    assert [s.address for s in listed.context["rows"]] == ["typo@gmial.com", "angry@example.np", "gone@example.np"]
    by_reason = admin.get("/admin/email-suppressions/", {"reason": "complaint"}).context["rows"]
    by_part = admin.get("/admin/email-suppressions/", {"address": "GMIAL"}).context["rows"]
    long_ago = datetime.now(UTC).date() - timedelta(days=201)
    by_date = admin.get("/admin/email-suppressions/", {"since": long_ago.isoformat(),
                                                       "until": (long_ago + timedelta(days=2)).isoformat()})
    assert [s.address for s in by_reason] == ["angry@example.np"]
    assert [s.address for s in by_part] == ["typo@gmial.com"]
    assert [s.address for s in by_date.context["rows"]] == ["old@example.np"]
    # an exact address is found whatever the dates (also one stored before the list's index)
    assert [s.address for s in admin.get("/admin/email-suppressions/", {"address": "old@example.np"}).context["rows"]] \
        == ["old@example.np"]
    bad = admin.get("/admin/email-suppressions/", {"since": "yesterday"})
    assert bad.context["rows"] == [] and "Not searched" in bad.content.decode()


def test_an_admin_lifts_a_suppression_with_a_note_and_it_is_audited(signed_in, people):
    _suppress(bounce("gone@example.np"))
    admin = signed_in("admin")
    # without a note nothing is lifted
    admin.post("/admin/email-suppressions/", {"address": "gone@example.np", "note": ""})
    assert is_suppressed("gone@example.np")
    # with one, the address is mailed again and the lift is in its history
    response = admin.post("/admin/email-suppressions/", {"address": "gone@example.np",
                                                         "note": "Mailbox fixed, confirmed by phone"}, follow=True)
    assert not is_suppressed("gone@example.np")
    [entry] = AuditEntry.history("email_suppression", "gone@example.np")
    assert (entry.action, entry.reason) == ("lift", "Mailbox fixed, confirmed by phone")
    assert entry.changes["reason"]["before"] == "bounce"
    assert "Mailbox fixed, confirmed by phone" in response.content.decode()
    # a broker may not lift one
    _suppress(complaint("angry@example.np"))
    signed_in("broker").post("/admin/email-suppressions/", {"address": "angry@example.np", "note": "please"})
    assert is_suppressed("angry@example.np")
