from django.urls import path

from backoffice.views import accounts, admin, agencies, alerts, broker, documents, payments, seller, viewings

handler400 = "backoffice.middleware.bad_request"
handler403 = "backoffice.middleware.permission_denied"
handler404 = "backoffice.middleware.page_not_found"
handler500 = "backoffice.middleware.server_error"

urlpatterns = [
    path("", accounts.home, name="home"),
    path("health", accounts.health, name="health"),
    # Browsers and tools that ignore the page's icon link ask here.
    path("favicon.ico", accounts.favicon, name="favicon"),
    path("login/", accounts.sign_in, name="login"),
    path("login/code/", accounts.mfa_code, name="mfa-code"),
    path("login/totp-setup/", accounts.mfa_setup, name="mfa-setup"),
    path("login/new-password/", accounts.new_password, name="new-password"),
    path("logout/", accounts.sign_out, name="logout"),

    path("admin/", admin.dashboard, name="admin-dashboard"),
    path("admin/moderation/", admin.moderation_queue, name="moderation-queue"),
    path("admin/moderation/<str:listing_id>/", admin.moderation_review, name="moderation-review"),
    path("admin/moderation/<str:listing_id>/media/<str:media_id>/", admin.media_review, name="media-review"),
    path("admin/listings/", admin.listings, name="admin-listings"),
    path("admin/listings/<str:listing_id>/", admin.listing_detail, name="admin-listing"),
    path("admin/listings/<str:listing_id>/action/", admin.listing_action, name="admin-listing-action"),
    path("admin/people/", admin.people_list, name="people"),
    path("admin/people/<str:user_id>/", admin.person, name="person"),
    # ---- what buyers are sent: saved searches, e-mail suppressions ----
    path("admin/people/<str:user_id>/saved-searches/", alerts.saved_searches, name="person-saved-searches"),
    path("admin/email-suppressions/", alerts.email_suppressions, name="email-suppressions"),
    path("admin/brokers/", admin.brokers, name="brokers"),
    path("admin/orders/", payments.orders, name="orders"),
    path("admin/orders/<str:order_id>/refund/", payments.refund, name="order-refund"),
    path("admin/reports/", admin.reports_page, name="reports"),
    path("admin/agencies/", agencies.agencies, name="agencies"),
    path("admin/agencies/<str:agency_id>/", agencies.agency, name="agency"),
    # An agency's licence evidence: admins and its principal broker (the domain checks which agency).
    path("agencies/<str:agency_id>/evidence/slot/", agencies.evidence_slot, name="agency-evidence-slot"),
    path("agencies/<str:agency_id>/evidence/uploaded/", agencies.evidence_uploaded, name="agency-evidence-uploaded"),
    path("agencies/<str:agency_id>/evidence/<str:file_id>/", agencies.evidence_open, name="agency-evidence-open"),
    path("agencies/<str:agency_id>/evidence/<str:file_id>/delete/", agencies.evidence_delete,
         name="agency-evidence-delete"),

    path("broker/", broker.inventory, name="inventory"),
    path("broker/listings/new/", broker.listing_new, name="broker-listing-new"),
    path("broker/listings/<str:listing_id>/", broker.listing_edit, name="broker-listing"),
    path("broker/listings/<str:listing_id>/action/", broker.listing_action, name="broker-listing-action"),
    path("broker/listings/<str:listing_id>/media/slot/", broker.media_slot, name="media-slot"),
    path("broker/listings/<str:listing_id>/media/", broker.media_states, name="media-states"),
    path("broker/listings/<str:listing_id>/media/<str:media_id>/", broker.media_change, name="media-change"),
    path("broker/leads/", broker.leads_page, name="leads"),
    path("broker/leads/<str:listing_id>/<str:inquiry_id>/state/", broker.lead_move, name="lead-move"),
    path("broker/analytics/", broker.analytics, name="broker-analytics"),
    path("broker/viewings/", viewings.viewings_page, name="viewings"),
    path("broker/viewings/<str:listing_id>/<str:viewing_id>/confirm/", viewings.viewing_confirm,
         name="viewing-confirm"),
    path("broker/viewings/<str:listing_id>/<str:viewing_id>/decline/", viewings.viewing_decline,
         name="viewing-decline"),
    path("broker/viewings/<str:listing_id>/<str:viewing_id>/invitation.ics", viewings.viewing_invitation,
         name="viewing-invitation"),
    path("broker/agency/", agencies.my_agency, name="my-agency"),
    path("broker/documents/", documents.requests_page, name="document-requests"),

    path("seller/", seller.home, name="seller-home"),

    # A listing's documents: its broker, its seller and admins (the domain checks who may do what).
    path("listings/<str:listing_id>/documents/", documents.page, name="listing-documents"),
    path("listings/<str:listing_id>/documents/slot/", documents.upload_slot, name="document-slot"),
    path("listings/<str:listing_id>/documents/uploaded/", documents.uploaded, name="document-uploaded"),
    path("listings/<str:listing_id>/documents/decide/", documents.decide, name="document-decide"),
    path("listings/<str:listing_id>/documents/verify/", documents.verify, name="documents-verify"),
    path("listings/<str:listing_id>/documents/<str:document_id>/", documents.open_document, name="document-open"),
]
