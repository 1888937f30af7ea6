"""Case- and accent-insensitive search through keys written at save time: listing titles, people's names
and emails; the backfill gives older items theirs."""

from __future__ import annotations

import pytest

from marketplace.errors import Conflict, PermissionDenied, ValidationError
from marketplace.models import BrokerProfile, Listing, UserProfile
from marketplace.search_keys import search_key
from marketplace.selectors.moderation import ListingFilters, listings_count, listings_search
from marketplace.selectors.people import brokers_search, users_count, users_search
from marketplace.services.people import broker_profile_create, broker_rename, user_profile_sync
from marketplace.services.search_keys import search_keys_backfill
from ops.cli import main
from tests.shared.listings import make_listing


def test_the_key_folds_case_accents_and_spaces_but_keeps_devanagari():
    assert search_key("Villà  in SANEPA") == "villa in sanepa"
    assert search_key("Café", "Ñandú@Example.com") == "cafe nandu@example.com"
    assert search_key("बुढानीलकण्ठमा घर") == "बुढानीलकण्ठमा घर"


def test_a_title_is_found_whatever_its_case_and_accents(table, broker):
    villa = make_listing(broker, status="active", title="Villà with a garden")
    make_listing(broker, status="active", title="Apartment in Jhamsikhel")

    found = {text: [l.listing_id for l in listings_search(filters=ListingFilters(text=text)).items]
             for text in ("villa", "VILLA", "villà", "Villa With")}

    assert found == {key: [villa.listing_id] for key in found}
    assert listings_count(filters=ListingFilters(text="villa")) == 1


def test_a_person_is_found_by_any_word_of_their_name_or_their_emails_start_whatever_its_case_and_accents(table):
    user_profile_sync(user_id="u1", email="priya.shrestha@example.com", groups=["buyers"], name="Priyā Shrestha")
    user_profile_sync(user_id="u2", email="ram@example.com", groups=["buyers"], name="Ram Thapa")
    user_profile_sync(user_id="u3", email="hari@example.com", groups=["buyers"], name="Sita Sharma")

    found = {text: [p.user_id for p in users_search(text=text).items]
             for text in ("priya s", "PRIYĀ", "ram", "ram@", "PRIYA.SHRESTHA@", "thapa", "THĀPA", "sh", "hapa",
                          "hari", "ram thapa", "thapa ram")}

    assert found == {"priya s": ["u1"], "PRIYĀ": ["u1"], "ram": ["u2"], "ram@": ["u2"], "PRIYA.SHRESTHA@": ["u1"],
                     "thapa": ["u2"], "THĀPA": ["u2"], "sh": ["u1", "u3"],  # any word's start, in name order
                     "hapa": [], "hari": [],  # not the middle of a word, nor the email without its "@"
                     "ram thapa": ["u2"], "thapa ram": []}
    assert users_count(text="sh") == 2


def test_a_listing_is_found_by_its_brokers_name_and_by_the_new_one_after_a_rename(table, broker, admin):
    profile = broker_profile_create(actor=broker, broker_id=broker.user_id, name="Sita Sharma", email="s@example.np",
                                    licence_number="KTM-1", company="Himal Realty")
    villa = make_listing(broker, status="active", title="Villa in Budhanilkantha")
    draft = make_listing(broker, title="Flat in Sanepa")

    before = [l.listing_id for l in listings_search(filters=ListingFilters(text="SHARMA")).items]
    broker_rename(actor=admin, broker_id=broker.user_id, name="Sītā Thāpā", expected_version=profile.version)

    assert before == [villa.listing_id]
    assert listings_search(filters=ListingFilters(text="sharma")).items == []
    assert [l.listing_id for l in listings_search(filters=ListingFilters(text="sita thapa", status="any")).items] \
        == [draft.listing_id, villa.listing_id]
    assert listings_count(filters=ListingFilters(text="thapa", status="any")) == 2


def test_only_the_broker_or_an_admin_renames_a_broker_at_the_version_shown(table, broker, other_broker, admin):
    profile = broker_profile_create(actor=broker, broker_id=broker.user_id, name="Sita Sharma", email="s@example.np",
                                    licence_number="KTM-1", company="Himal Realty")

    with pytest.raises(PermissionDenied):
        broker_rename(actor=other_broker, broker_id=broker.user_id, name="Someone", expected_version=profile.version)
    with pytest.raises(Conflict):
        broker_rename(actor=admin, broker_id=broker.user_id, name="Someone", expected_version=profile.version + 1)
    with pytest.raises(ValidationError) as blank:
        broker_rename(actor=broker, broker_id=broker.user_id, name="  ", expected_version=profile.version)

    assert blank.value.field == "name"
    assert BrokerProfile.get(*BrokerProfile.key(broker.user_id)).name == "Sita Sharma"


def test_the_backfill_writes_the_keys_older_items_lack(table, broker, capsys):
    broker_profile_create(actor=broker, broker_id=broker.user_id, name="Sita Sharma", email="s@example.np",
                          licence_number="KTM-1", company="Himal Realty")
    villa = make_listing(broker, status="active", title="Villa in Budhanilkantha")
    user_profile_sync(user_id="u1", email="sita@example.com", groups=["buyers"], name="Sita Rai")
    # written before the keys existed
    Listing.get(*Listing.key(villa.listing_id)).update(actions=[Listing.title_key.remove()])
    UserProfile.get(*UserProfile.key("u1")).update(actions=[UserProfile.name_key.remove(), UserProfile.gsi3pk.remove(),
                                                            UserProfile.gsi3sk.remove()])
    BrokerProfile.get(*BrokerProfile.key(broker.user_id)).update(actions=[BrokerProfile.name_key.remove()])
    assert listings_search(filters=ListingFilters(text="villa")).items == []
    assert users_search(text="sita rai").items == [] and brokers_search(text="sharma") == []

    Listing.get(*Listing.key(villa.listing_id)).update(actions=[Listing.broker_key.remove()])
    assert listings_search(filters=ListingFilters(text="sharma")).items == []

    dry = main(["search-keys", "backfill"])
    assert listings_search(filters=ListingFilters(text="villa")).items == []  # a dry run writes nothing
    applied = main(["search-keys", "backfill", "--apply"])

    assert (dry, applied) == (0, 0)
    assert capsys.readouterr().out.splitlines() == ["dry run: would write 5 search keys (add --apply)",
                                                    "wrote 5 search keys"]
    assert [l.listing_id for l in listings_search(filters=ListingFilters(text="SHARMA")).items] == [villa.listing_id]
    assert [l.listing_id for l in listings_search(filters=ListingFilters(text="villa")).items] == [villa.listing_id]
    assert [p.user_id for p in users_search(text="sita rai").items] == ["u1"]  # by the name's start (gsi3)
    assert [b.broker_id for b in brokers_search(text="SHARMA")] == [broker.user_id]
    assert search_keys_backfill(apply=False) == 0


def test_the_backfill_rewrites_a_persons_key_that_still_holds_their_email(table):
    user_profile_sync(user_id="u2", email="hari@example.com", groups=["buyers"], name="Ram Thapa")
    # the key as profiles wrote it before: name and email
    UserProfile.get(*UserProfile.key("u2")).update(actions=[UserProfile.name_key.set("ram thapa hari@example.com")])
    stale = [p.user_id for p in users_search(text="hari").items]

    written = search_keys_backfill(apply=True)

    assert stale == ["u2"] and written == 1
    assert users_search(text="hari").items == [] and [p.user_id for p in users_search(text="thapa").items] == ["u2"]
