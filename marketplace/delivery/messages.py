"""What each message says, in English and Nepali, and how it is rendered: one plain-text and one HTML
template (``templates/``) for every message, the words from ``COPY``.

Values are put into the words first (``str.format``), then the HTML template escapes whatever it
prints, so a listing title or a buyer's name can never inject markup. Templates are Jinja2 (the domain
never imports Django); ``StrictUndefined`` turns a missing value into an error, not a blank.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from pathlib import Path

import jinja2

from marketplace import formatting
from marketplace.delivery import DEFAULT_LANGUAGE, LANGUAGES
from marketplace.money import npr_words
from marketplace.neighbourhoods import neighbourhood

TEMPLATES = Path(__file__).parent / "templates"


class MessageKind(StrEnum):
    LISTING_APPROVED = "listing_approved"
    LISTING_REJECTED = "listing_rejected"
    LISTING_CHANGES_REQUESTED = "listing_changes_requested"
    NEW_LEAD = "new_lead"
    MEDIA_PROCESSED = "media_processed"
    MEDIA_FAILED = "media_failed"
    SUBSCRIPTION_CHANGED = "subscription_changed"
    SEARCH_ALERT = "search_alert"
    DIGEST = "digest"
    FAVORITE_CHANGED = "favorite_changed"
    MODERATION_BACKLOG = "moderation_backlog"
    PAYMENT_RECEIPT = "payment_receipt"
    DOCUMENTS_REQUESTED = "documents_requested"
    # Licensed agencies and listings that stay true (marketplace.services.agencies, .freshness).
    AGENCY_LICENCE_VERIFIED = "agency_licence_verified"
    AGENCY_LICENCE_EXPIRING = "agency_licence_expiring"
    AGENCY_LICENCE_EXPIRING_ADMIN = "agency_licence_expiring_admin"  # the admins' copy: renewals to verify
    LISTING_RECONFIRMATION_DUE = "listing_reconfirmation_due"
    LISTING_HELD = "listing_held"
    # Viewing requests (marketplace.services.viewings).
    VIEWING_CONFIRMED = "viewing_confirmed"
    VIEWING_REQUESTED = "viewing_requested"
    VIEWING_DECLINED = "viewing_declined"
    VIEWING_CANCELLED = "viewing_cancelled"
    VIEWING_CANCELLED_BY_YOU = "viewing_cancelled_by_you"  # the buyer's own copy, with the calendar's CANCEL
    VIEWING_EXPIRED = "viewing_expired"
    # A buyer's inquiry moving along its broker's pipeline (marketplace.services.leads).
    LEAD_VIEWING = "lead_viewing"
    LEAD_OFFER = "lead_offer"
    # A buyer told of their broker's decision on the documents (marketplace.services.documents).
    DOCUMENTS_GRANTED = "documents_granted"
    DOCUMENTS_REFUSED = "documents_refused"


@dataclass(frozen=True)
class Copy:
    subject: str
    lines: tuple[str, ...]
    action: str = ""  # the button's label, when the message has a link to act on


# Placeholders are ``{name}`` fields of the message's data. Every kind has both languages (a test holds it).
COPY: dict[MessageKind, dict[str, Copy]] = {
    MessageKind.LISTING_APPROVED: {
        "en": Copy("Your listing “{title}” is live", ("Your listing “{title}” was approved and is now live on Shikhar.",), "See it on Shikhar"),
        "ne": Copy("तपाईंको लिस्टिङ “{title}” प्रकाशित भयो", ("तपाईंको लिस्टिङ “{title}” स्वीकृत भई शिखरमा प्रकाशित भएको छ।",), "शिखरमा हेर्नुहोस्"),
    },
    MessageKind.LISTING_REJECTED: {
        "en": Copy("Your listing “{title}” was not approved", ("Your listing “{title}” was not approved.", "Reason: {reason}"), "Open the listing"),
        "ne": Copy("तपाईंको लिस्टिङ “{title}” स्वीकृत भएन", ("तपाईंको लिस्टिङ “{title}” स्वीकृत भएन।", "कारण: {reason}"), "लिस्टिङ खोल्नुहोस्"),
    },
    MessageKind.LISTING_CHANGES_REQUESTED: {
        "en": Copy("Changes requested on “{title}”", ("Our moderators asked for changes on “{title}” before it can go live.", "What to change: {reason}"), "Open the listing"),
        "ne": Copy("“{title}” मा परिवर्तन अनुरोध गरिएको छ", ("“{title}” प्रकाशित हुनुअघि मोडरेटरले केही परिवर्तन अनुरोध गर्नुभएको छ।", "के परिवर्तन गर्ने: {reason}"), "लिस्टिङ खोल्नुहोस्"),
    },
    MessageKind.NEW_LEAD: {
        "en": Copy("New inquiry on “{title}” from {name}", ("{name} asked about “{title}”.", "Answer soon: buyers who hear back within the hour are the ones who visit."), "Open the lead"),
        "ne": Copy("“{title}” बारे {name} बाट नयाँ सोधपुछ", ("{name} ले “{title}” बारे सोध्नुभएको छ।", "छिटो जवाफ दिनुहोस्: एक घण्टाभित्र जवाफ पाउने खरिदकर्ता नै हेर्न आउँछन्।"), "सोधपुछ खोल्नुहोस्"),
    },
    MessageKind.MEDIA_PROCESSED: {
        "en": Copy("A {kind} for “{title}” is ready", ("A {kind} for “{title}” has been processed and is ready.",)),
        "ne": Copy("“{title}” को {kind} तयार छ", ("“{title}” को {kind} प्रशोधन भई तयार छ।",)),
    },
    MessageKind.MEDIA_FAILED: {
        "en": Copy("A {kind} for “{title}” could not be processed", ("A {kind} for “{title}” could not be processed: {reason}", "Please upload it again."), "Open the listing"),
        "ne": Copy("“{title}” को {kind} प्रशोधन हुन सकेन", ("“{title}” को {kind} प्रशोधन हुन सकेन: {reason}", "कृपया फेरि अपलोड गर्नुहोस्।"), "लिस्टिङ खोल्नुहोस्"),
    },
    MessageKind.SUBSCRIPTION_CHANGED: {
        "en": Copy("Your Shikhar subscription: {tier}", ("Your Shikhar subscription is now {tier} until {expires_at}.",)),
        "ne": Copy("तपाईंको शिखर सदस्यता: {tier}", ("तपाईंको शिखर सदस्यता अब {expires_at} सम्म {tier} छ।",)),
    },
    MessageKind.SEARCH_ALERT: {
        "en": Copy("New for “{search_name}”: {title}", ("A property matching your saved search “{search_name}”:",)),
        "ne": Copy("“{search_name}” का लागि नयाँ: {title}", ("तपाईंको सुरक्षित खोज “{search_name}” सँग मिल्ने सम्पत्ति:",)),
    },
    MessageKind.DIGEST: {
        "en": Copy("{count} new properties for your saved searches", ("New on Shikhar for your saved searches ({searches}):",)),
        "ne": Copy("तपाईंका सुरक्षित खोजका लागि {count} नयाँ सम्पत्ति", ("तपाईंका सुरक्षित खोज ({searches}) का लागि शिखरमा नयाँ:",)),
    },
    MessageKind.FAVORITE_CHANGED: {
        "en": Copy("Update on a property you saved: {title}", ("{change}",)),
        "ne": Copy("तपाईंले सुरक्षित गरेको सम्पत्तिमा परिवर्तन: {title}", ("{change}",)),
    },
    MessageKind.MODERATION_BACKLOG: {
        "en": Copy("Moderation queue: {pending} listings waiting", ("{pending} listings are waiting for review; the oldest has waited {oldest_hours} hours.",), "Open the queue"),
        "ne": Copy("मोडरेसन लाइन: {pending} लिस्टिङ पर्खिरहेका", ("{pending} लिस्टिङ समीक्षाको प्रतीक्षामा छन्; सबैभन्दा पुरानो {oldest_hours} घण्टादेखि पर्खिरहेको छ।",), "लाइन खोल्नुहोस्"),
    },
    MessageKind.PAYMENT_RECEIPT: {
        "en": Copy("Receipt: {plan_title}", ("We received {amount_text} through {provider_name} for {plan_title} (order {order_id}, transaction {transaction}).", "Your plan is active until {expires_at}.")),
        "ne": Copy("रसिद: {plan_title}", ("{provider_name} मार्फत {plan_title} का लागि {amount_text} प्राप्त भयो (अर्डर {order_id}, कारोबार {transaction})।", "तपाईंको योजना {expires_at} सम्म सक्रिय छ।")),
    },
    MessageKind.VIEWING_CONFIRMED: {
        "en": Copy("Viewing confirmed: “{title}”, {when}", ("The viewing of “{title}” is confirmed for {when} (Kathmandu time), at {place}.", "The invitation is attached: add it to your calendar.")),
        "ne": Copy("हेर्ने समय पक्का भयो: “{title}”, {when}", ("“{title}” हेर्ने समय {when} (काठमाडौं समय) मा {place} मा पक्का भएको छ।", "निमन्त्रणा संलग्न छ: आफ्नो क्यालेन्डरमा थप्नुहोस्।")),
    },
    # ---- viewing requests and leads: what brokers and buyers hear of ----
    MessageKind.VIEWING_REQUESTED: {
        "en": Copy("Viewing request for “{title}” from {name}", ("{name} asked to view “{title}” at one of these times (Kathmandu time): {times}.", "Confirm one time or decline within 24 hours; unanswered, the request expires."), "Open viewing requests"),
        "ne": Copy("“{title}” हेर्न {name} को अनुरोध", ("{name} ले “{title}” यी मध्ये कुनै एक समयमा हेर्न अनुरोध गर्नुभएको छ (काठमाडौं समय): {times}।", "२४ घण्टाभित्र एउटा समय पक्का गर्नुहोस् वा अस्वीकार गर्नुहोस्; जवाफ नदिए अनुरोधको म्याद सकिन्छ।"), "हेर्ने अनुरोधहरू खोल्नुहोस्"),
    },
    MessageKind.VIEWING_DECLINED: {
        "en": Copy("Your viewing request for “{title}” was declined", ("The broker cannot show you “{title}” at the times you proposed.", "Their reason: {reason}", "You may propose other times from the listing."), "See the listing"),
        "ne": Copy("“{title}” हेर्ने तपाईंको अनुरोध अस्वीकार भयो", ("तपाईंले प्रस्ताव गर्नुभएको समयमा ब्रोकरले “{title}” देखाउन सक्नुहुन्न।", "उहाँको कारण: {reason}", "लिस्टिङबाट अर्को समय प्रस्ताव गर्न सक्नुहुन्छ।"), "लिस्टिङ हेर्नुहोस्"),
    },
    MessageKind.VIEWING_CANCELLED: {
        "en": Copy("Viewing cancelled: “{title}”", ("{name} cancelled their viewing of “{title}” ({when}).", "Their reason: {reason}"), "Open viewing requests"),
        "ne": Copy("हेर्ने कार्यक्रम रद्द: “{title}”", ("{name} ले “{title}” हेर्ने कार्यक्रम ({when}) रद्द गर्नुभयो।", "उहाँको कारण: {reason}"), "हेर्ने अनुरोधहरू खोल्नुहोस्"),
    },
    MessageKind.VIEWING_CANCELLED_BY_YOU: {
        "en": Copy("Viewing cancelled: “{title}”", ("You cancelled your viewing of “{title}” ({when}); the broker has been told.", "The calendar update attached removes it from your calendar."), "See the listing"),
        "ne": Copy("हेर्ने कार्यक्रम रद्द: “{title}”", ("तपाईंले “{title}” हेर्ने कार्यक्रम ({when}) रद्द गर्नुभयो; ब्रोकरलाई जानकारी दिइएको छ।", "संलग्न क्यालेन्डर अद्यावधिकले यसलाई तपाईंको क्यालेन्डरबाट हटाउँछ।"), "लिस्टिङ हेर्नुहोस्"),
    },
    MessageKind.VIEWING_EXPIRED: {
        "en": Copy("Viewing request expired: “{title}”", ("The request to view “{title}” had no answer within 24 hours and has expired.", "The buyer may propose other times from the listing."),),
        "ne": Copy("हेर्ने अनुरोधको म्याद सकियो: “{title}”", ("“{title}” हेर्ने अनुरोधको २४ घण्टाभित्र जवाफ नआएकाले म्याद सकिएको छ।", "खरिदकर्ताले लिस्टिङबाट अर्को समय प्रस्ताव गर्न सक्नुहुन्छ।"),),
    },
    MessageKind.LEAD_VIEWING: {
        "en": Copy("“{title}”: {broker_name} is arranging a viewing", ("{broker_name} moved your inquiry about “{title}” on to a viewing.", "Expect a call or message to agree a time, or propose times yourself from the listing."), "See the listing"),
        "ne": Copy("“{title}”: {broker_name} हेर्ने व्यवस्था मिलाउँदै हुनुहुन्छ", ("{broker_name} ले “{title}” बारेको तपाईंको सोधपुछलाई हेर्ने चरणमा लैजानुभयो।", "समय मिलाउन फोन वा सन्देश आउनेछ, वा लिस्टिङबाट आफैं समय प्रस्ताव गर्नुहोस्।"), "लिस्टिङ हेर्नुहोस्"),
    },
    MessageKind.LEAD_OFFER: {
        "en": Copy("“{title}”: your inquiry is at the offer stage", ("{broker_name} moved your inquiry about “{title}” on to an offer.", "They will be in touch about the terms."), "See the listing"),
        "ne": Copy("“{title}”: तपाईंको सोधपुछ प्रस्तावको चरणमा", ("{broker_name} ले “{title}” बारेको तपाईंको सोधपुछलाई प्रस्तावको चरणमा लैजानुभयो।", "सर्तहरूबारे उहाँले सम्पर्क गर्नुहुनेछ।"), "लिस्टिङ हेर्नुहोस्"),
    },
    MessageKind.DOCUMENTS_REQUESTED: {
        "en": Copy("Documents requested for “{title}”", ("A premium member asked to see the documents of “{title}”.", "Grant or refuse it in the back office."), "Open the listing"),
        "ne": Copy("“{title}” का कागजात माग गरियो", ("एक प्रिमियम सदस्यले “{title}” का कागजात हेर्न माग गर्नुभएको छ।", "ब्याक अफिसमा स्वीकृत वा अस्वीकार गर्नुहोस्।"), "लिस्टिङ खोल्नुहोस्"),
    },
    MessageKind.DOCUMENTS_GRANTED: {
        "en": Copy("You may now see the documents of “{title}”", ("The broker of “{title}” granted you its documents: the title deed and permits they uploaded.", "Open the listing in the Shikhar app to read them; each link works for five minutes."), "Open the listing"),
        "ne": Copy("अब तपाईं “{title}” का कागजात हेर्न सक्नुहुन्छ", ("“{title}” का ब्रोकरले तपाईंलाई यसका कागजात (लालपुर्जा र अनुमति पत्रहरू) हेर्ने अनुमति दिनुभयो।", "हेर्न शिखर एपमा लिस्टिङ खोल्नुहोस्; हरेक लिङ्क पाँच मिनेट चल्छ।"), "लिस्टिङ खोल्नुहोस्"),
    },
    MessageKind.DOCUMENTS_REFUSED: {
        "en": Copy("About the documents of “{title}”", ("The broker of “{title}” did not share its documents with you.", "You can still ask the broker about the property from the listing."), "Open the listing"),
        "ne": Copy("“{title}” का कागजातबारे", ("“{title}” का ब्रोकरले यसका कागजात तपाईंसँग साझा गर्नुभएन।", "तपाईं लिस्टिङबाटै ब्रोकरलाई सम्पत्तिबारे सोध्न सक्नुहुन्छ।"), "लिस्टिङ खोल्नुहोस्"),
    },
    MessageKind.AGENCY_LICENCE_VERIFIED: {
        "en": Copy("The licence of {agency_name}: {verification}", ("Shikhar checked the licence of {agency_name} ({licence_number}) against the Department of Land Management's list: {verification}.",), "Open your agency"),
        "ne": Copy("{agency_name} को इजाजतपत्र: {verification}", ("शिखरले {agency_name} ({licence_number}) को इजाजतपत्र भूमि व्यवस्थापन विभागको सूचीसँग जाँच गर्‍यो: {verification}।",), "तपाईंको एजेन्सी खोल्नुहोस्"),
    },
    MessageKind.AGENCY_LICENCE_EXPIRING: {
        "en": Copy("The licence of {agency_name} ends on {expires_on}", ("The licence of {agency_name} ({licence_number}) ends on {expires_on}.", "Send the renewed licence to Shikhar before then: once it has ended, listings above the licensed-deal threshold cannot be approved."), "Open your agency"),
        "ne": Copy("{agency_name} को इजाजतपत्र {expires_on} मा सकिन्छ", ("{agency_name} ({licence_number}) को इजाजतपत्रको म्याद {expires_on} मा सकिन्छ।", "त्यसअघि नवीकरण गरिएको इजाजतपत्र शिखरलाई पठाउनुहोस्: म्याद सकिएपछि तोकिएको सीमाभन्दा माथिका लिस्टिङ स्वीकृत हुन सक्दैनन्।"), "तपाईंको एजेन्सी खोल्नुहोस्"),
    },
    MessageKind.AGENCY_LICENCE_EXPIRING_ADMIN: {
        "en": Copy("The licence of {agency_name} ends on {expires_on}", ("The licence of {agency_name} ({licence_number}) ends on {expires_on}; its brokers have been told.", "Verify the renewal when it comes: once the licence has ended, the agency's listings above the licensed-deal threshold cannot be approved."), "Open the agency"),
        "ne": Copy("{agency_name} को इजाजतपत्र {expires_on} मा सकिन्छ", ("{agency_name} ({licence_number}) को इजाजतपत्रको म्याद {expires_on} मा सकिन्छ; यसका ब्रोकरहरूलाई जानकारी दिइएको छ।", "नवीकरण आएपछि प्रमाणित गर्नुहोस्: म्याद सकिएपछि एजेन्सीका तोकिएको सीमाभन्दा माथिका लिस्टिङ स्वीकृत हुन सक्दैनन्।"), "एजेन्सी खोल्नुहोस्"),
    },
    MessageKind.LISTING_HELD: {
        "en": Copy("“{title}” did not go public on its date", ("“{title}” was approved as coming soon, but on its public date the licensed-deal rule held it back: {reason}.", "It has been withdrawn; buyers cannot see it. Once the agency's licence is renewed and verified, relist it and submit it for review again."), "Open the listing"),
        "ne": Copy("“{title}” तोकिएको मितिमा सार्वजनिक भएन", ("“{title}” चाँडै आउने भनी स्वीकृत भएको थियो, तर सार्वजनिक हुने मितिमा इजाजतपत्र नियमले रोक्यो: {reason}।", "यसलाई फिर्ता लिइएको छ; खरिदकर्ताले देख्न सक्नुहुन्न। एजेन्सीको इजाजतपत्र नवीकरण र प्रमाणित भएपछि पुनः सूचीकृत गरी समीक्षाका लागि पेस गर्नुहोस्।"), "लिस्टिङ खोल्नुहोस्"),
    },
    MessageKind.LISTING_RECONFIRMATION_DUE: {
        "en": Copy("Is “{title}” still available?", ("Nobody has confirmed “{title}” for a while.", "Confirm it is still available before {expires_on}, or it leaves search."), "Confirm it"),
        "ne": Copy("“{title}” अझै उपलब्ध छ?", ("“{title}” केही समयदेखि पुष्टि गरिएको छैन।", "{expires_on} अघि यो अझै उपलब्ध छ भनी पुष्टि गर्नुहोस्, नत्र यो खोजबाट हट्छ।"), "पुष्टि गर्नुहोस्"),
    },
}

# What surrounds every message.
CHROME = {
    "en": {"greeting": "Namaste {name},", "greeting_plain": "Namaste,",
           "footer": "Shikhar, luxury homes of Kathmandu. You receive this because of your Shikhar account.",
           "unsubscribe": "Stop these alerts", "on_request": "Price on request"},
    "ne": {"greeting": "नमस्ते {name},", "greeting_plain": "नमस्ते,",
           "footer": "शिखर, काठमाडौंका विलासी घरहरू। तपाईंको शिखर खाताका कारण यो सन्देश पठाइएको हो।",
           "unsubscribe": "यी सूचना बन्द गर्नुहोस्", "on_request": "मूल्य सोधेर"},
}

# Changes of a favorite, as the favorite-changed message says them.
CHANGES = {
    "en": {"price_down": "The price dropped from {old_price} to {new_price}.",
           "price_up": "The price changed from {old_price} to {new_price}.",
           "under_contract": "It is now under contract.", "sold": "It has been sold.",
           "rented": "It has been rented.", "back_on_market": "It is back on the market.",
           "withdrawn": "It is no longer offered."},
    "ne": {"price_down": "मूल्य {old_price} बाट घटेर {new_price} भएको छ।",
           "price_up": "मूल्य {old_price} बाट {new_price} भएको छ।",
           "under_contract": "यो अहिले सम्झौताको प्रक्रियामा छ।", "sold": "यो बिक्री भइसकेको छ।",
           "rented": "यो भाडामा गइसकेको छ।", "back_on_market": "यो फेरि बजारमा आएको छ।",
           "withdrawn": "यो अब उपलब्ध छैन।"},
}


@dataclass(frozen=True)
class ListingLine:
    """One listing in a message."""

    title: str
    place: str
    price: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (a viewing's calendar invitation)."""

    filename: str
    content_type: str  # "text/calendar; method=REQUEST"
    data: bytes


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str
    summary: str = ""  # the message's words without greeting or footer: a push notification's body
    headers: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()


def language_of(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def price_words(price: int | None, *, language: str) -> str:
    return CHROME[language_of(language)]["on_request"] if price is None else npr_words(int(price))


def listing_line(listing, *, url: str, language: str, note: str = "") -> ListingLine:
    """A listing (or its card) as a message shows it."""
    place = neighbourhood(listing.neighborhood)
    price = None if listing.price_on_request or listing.price is None else int(listing.price)
    return ListingLine(title=listing.title, place=place.name if place else listing.neighborhood,
                       price=price_words(price, language=language), url=url, note=note)


def fields_of(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                              autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
                              keep_trailing_newline=True)


def _date_words(value, language: str):
    """A moment, a day or a tuple of moments (times proposed) in the message's language; anything else as it is."""
    if isinstance(value, datetime):
        return formatting.moment(value, language=language)
    if isinstance(value, date):
        return formatting.day(value, language=language)
    if isinstance(value, tuple) and value and all(isinstance(item, datetime) for item in value):
        return "; ".join(formatting.moment(item, language=language) for item in value)
    return value


def render(kind: MessageKind, *, language: str | None, data: dict, name: str = "", items=(),
           action_url: str | None = None, unsubscribe_url: str | None = None) -> Email:
    """The message ``kind`` in ``language`` (English when unknown) with ``data`` filled in. A field the
    words need and ``data`` lacks is a ``KeyError``: a message is never sent with a hole in it."""
    language = language_of(language)
    copy, chrome = COPY[MessageKind(kind)][language], CHROME[language]
    # Dates come as dates and are written here, in the reader's language ("31 Dec 2026", "३१ डिसेम्बर २०२६").
    data = type(data)({key: _date_words(value, language) for key, value in data.items()})
    context = {
        "language": language, "subject": copy.subject.format_map(data),
        "greeting": chrome["greeting"].format(name=name) if name else chrome["greeting_plain"],
        "lines": [line.format_map(data) for line in copy.lines], "items": list(items),
        "action": {"label": copy.action, "url": action_url} if copy.action and action_url else None,
        "footer": chrome["footer"], "unsubscribe_url": unsubscribe_url, "unsubscribe_label": chrome["unsubscribe"],
    }
    environment = _environment()
    headers = {}
    if unsubscribe_url:  # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe
        headers = {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return Email(subject=context["subject"], summary=" ".join(context["lines"]), text=environment.get_template("message.txt.j2").render(context),
                 html=environment.get_template("message.html.j2").render(context), headers=headers)
