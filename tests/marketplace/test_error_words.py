"""A refused value is named in the words its user reads (plan titles, provider, tier, language, reason,
group, buyer app, licence class and file type names), with the field's label first, never the codes the platform stores."""

from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace.delivery.preferences import preferences_update
from marketplace.delivery.suppressions import SuppressionSearch, suppressions_find
from marketplace.errors import IllegalTransition, ValidationError
from marketplace.services.agencies import agency_create
from marketplace.services.engagement import clean_inquiry
from marketplace.services.listings import listing_create
from marketplace.services.media import media_request_upload, media_retry
from marketplace.services.payments import payment_checkout
from marketplace.services.people import broker_profile_create, subscription_grant, user_groups_change
from tests.shared.listings import COMPLETE_HOUSE
from tests.shared.people import ADMIN, BROKER, BUYER


def _refusal(call, **arguments) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        call(**arguments)
    return refused.value


def test_a_plan_or_provider_not_on_sale_is_named_in_the_buyers_words(platform):
    plan = _refusal(payment_checkout, actor=BUYER, plan="gold", provider="esewa")
    assert plan.field == "plan"
    assert plan.message == ("must be one of the plans on sale: Shikhar Premium, 30 days; Shikhar Premium, 365 days; "
                            "Shikhar Investor, 30 days; Shikhar Investor, 365 days")
    provider = _refusal(payment_checkout, actor=BUYER, plan="premium-month", provider="paypal")
    assert (provider.field, provider.message) == ("provider", "must be eSewa or Khalti")


def test_a_tier_language_or_suppression_reason_is_named_in_words(platform):
    tier = _refusal(subscription_grant, actor=ADMIN, user_id="buyer-1", tier="gold", reason="comp",
                    expires_at=datetime.now(UTC) + timedelta(days=30), expected_version=None)
    assert (tier.field, tier.message) == ("tier", "must be Premium or Investor")
    language = _refusal(preferences_update, actor=BUYER, language="fr")
    assert (language.field, language.message) == ("language", "must be English or Nepali")
    reason = _refusal(suppressions_find, search=SuppressionSearch(reason="spam"))
    assert (reason.field, reason.message) == ("reason", "must be Bounce or Complaint, or any")


def test_a_group_or_buyer_app_is_named_in_words(platform):
    group = _refusal(user_groups_change, actor=ADMIN, user_id="buyer-1", expected_groups=["buyers"], add=["vip"])
    assert (group.field, group.message) == ("groups", "must be Admins, Brokers, Sellers, Buyers or Investors")
    app = _refusal(preferences_update, actor=BUYER, apps=["blackberry"])
    assert (app.field, app.message) == ("apps", "must be iOS, Android or Web")
    twice = _refusal(preferences_update, actor=BUYER, apps=["ios", "web", "ios"])
    assert (twice.field, twice.message) == ("apps", "names each app once, not iOS twice")


def test_a_media_kind_or_file_type_is_named_in_words(platform):
    kind = _refusal(media_request_upload, listing_id="L1", kind="hologram", actor=BROKER, content_type="image/jpeg",
                    size=1000, filename="a.jpg")
    assert (kind.field, kind.message) == ("kind", "must be photo, drone, panorama, floor plan or video")
    photo = _refusal(media_request_upload, listing_id="L1", kind="photo", actor=BROKER, content_type="image/gif",
                     size=1000, filename="a.gif")
    assert (photo.field, photo.message) == ("content_type", "must be a JPEG, PNG or WebP image for a photo")
    video = _refusal(media_request_upload, listing_id="L1", kind="video", actor=BROKER, content_type="image/jpeg",
                     size=1000, filename="a.jpg")
    assert video.message == "must be an MP4 or QuickTime video for a video"


def test_form_problems_name_the_field_by_its_label_not_its_attribute(platform):
    # A licence class is named in words; the first problem starts with the field's label
    agency = _refusal(agency_create, actor=ADMIN, name="Everest Homes", licence_number="DLM-2080-0001",
                      licence_class="corporation", licence_expires_on=date(2030, 1, 1), evidence="DLM list, entry 4")
    assert (agency.field, agency.message) == ("licence_class", "Licence class must be Company, Firm or Individual")
    assert agency.errors == {"licence_class": "must be Company, Firm or Individual"}
    broker = _refusal(broker_profile_create, actor=ADMIN, broker_id="broker-9", name="Hari", email="hari@x.np",
                      licence_number="no!", company="Everest Homes")
    assert broker.message == "Licence number must be 3-32 letters, digits, '/' or '-'"
    inquiry = _refusal(clean_inquiry, name="Sita", phone="+9779800000000", email="not-an-address",
                       message="Is it available?", preferred_contact_time="evenings")
    assert (inquiry.field, inquiry.message) == ("email", "Email is not an email address")


def test_a_listing_choice_is_named_in_words(platform):
    property_type = _refusal(listing_create, actor=BROKER, fields={**COMPLETE_HOUSE, "property_type": "castle"})
    assert (property_type.field, property_type.message) == (
        "property_type", "Property type must be House, Villa, Apartment, Land or Commercial")
    amenities = _refusal(listing_create, actor=BROKER, fields={**COMPLETE_HOUSE, "amenities": ["moat", "garden"]})
    assert amenities.message == "Amenities: 'moat' is not among its choices"


def test_a_refused_action_names_the_state_in_words(platform):
    # Given a media item still waiting for its file
    listing = listing_create(actor=BROKER, fields=COMPLETE_HOUSE)
    slot = media_request_upload(listing_id=listing.listing_id, kind="photo", actor=BROKER, content_type="image/jpeg",
                                size=1000, filename="front.jpg")
    # When its broker asks to retry it
    with pytest.raises(IllegalTransition) as refused:
        media_retry(listing_id=listing.listing_id, media_id=slot.media.media_id, actor=BROKER,
                    expected_version=slot.media.version)
    # Then the refusal says its state as the broker reads it, not its code
    assert refused.value.message == "only failed or stuck media can be retried; this one is waiting for the file"
