"""The domain's event types: a module of their own (no imports) so the lifecycle can type its
transitions' events without importing the models that ``marketplace.events`` writes to."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    LISTING_CREATED = "ListingCreated"
    LISTING_UPDATED = "ListingUpdated"
    LISTING_SUBMITTED = "ListingSubmitted"
    LISTING_APPROVED = "ListingApproved"
    LISTING_REJECTED = "ListingRejected"
    LISTING_CHANGES_REQUESTED = "ListingChangesRequested"
    LISTING_STATUS_CHANGED = "ListingStatusChanged"
    LISTING_FEATURED = "ListingFeatured"
    MEDIA_UPLOADED = "MediaUploaded"
    MEDIA_PROCESSED = "MediaProcessed"
    MEDIA_FAILED = "MediaFailed"
    MEDIA_APPROVED = "MediaApproved"
    SUBSCRIPTION_CHANGED = "SubscriptionChanged"
    INQUIRY_RECEIVED = "InquiryReceived"
    FAVORITE_ADDED = "FavoriteAdded"
    BROKER_VERIFIED = "BrokerVerified"
    # -- search index: a card's cover changed without any other listing event (placement, set, delete) --
    LISTING_COVER_CHANGED = "ListingCoverChanged"
    # Payments (marketplace.services.payments)
    PAYMENT_COMPLETED = "PaymentCompleted"
    PAYMENT_REFUNDED = "PaymentRefunded"
    # Documents (marketplace.services.documents)
    DOCUMENTS_VERIFIED = "DocumentsVerified"
    DOCUMENT_ACCESS_REQUESTED = "DocumentAccessRequested"
    DOCUMENT_ACCESS_DECIDED = "DocumentAccessDecided"
    # Viewing requests (marketplace.services.viewings)
    VIEWING_REQUESTED = "ViewingRequested"
    VIEWING_CONFIRMED = "ViewingConfirmed"
    VIEWING_EXPIRED = "ViewingExpired"
    VIEWING_DECLINED = "ViewingDeclined"
    VIEWING_CANCELLED = "ViewingCancelled"
    # Leads (marketplace.services.leads): a move along the broker's pipeline
    LEAD_MOVED = "LeadMoved"
    # ---- licensed agencies and listings that stay true ----
    AGENCY_LICENCE_VERIFIED = "AgencyLicenceVerified"
    AGENCY_LICENCE_EXPIRING = "AgencyLicenceExpiring"
    LISTING_CONFIRMED = "ListingConfirmed"
    LISTING_RECONFIRMATION_DUE = "ListingReconfirmationDue"
    LISTING_HELD = "ListingHeld"  # a coming-soon listing's date came while its agency's licence was not valid
    LISTING_LEFT_SEARCH = "ListingLeftSearch"  # a sold or let listing's days in search are over
