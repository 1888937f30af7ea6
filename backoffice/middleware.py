"""Request plumbing: correlation ids, who is acting, and domain errors as proper pages (never a 500);
a dependency that is down is a styled 503 page with Retry-After, never a traceback."""

from __future__ import annotations

import sys
import time

from django.conf import settings
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string

from backoffice import cognito
from backoffice.sessions import USER_KEY
from marketplace.actors import Actor
from marketplace.errors import DomainError, Unavailable, is_outage
from marketplace.ids import new_id
from marketplace.observability import logger, set_correlation_id


def correlation(get_response):
    """One id per request, carried into the audit log and the events the request causes."""

    def middleware(request):
        request.correlation_id = request.headers.get("X-Correlation-Id", "")[:64] or new_id()
        set_correlation_id(request.correlation_id)
        response = get_response(request)
        response["X-Correlation-Id"] = request.correlation_id
        return response

    return middleware


def unavailable_page() -> HttpResponse:
    """Rendered without the request: its session (in the table) may be what is unavailable."""
    error = Unavailable()
    response = HttpResponse(render_to_string("backoffice/error.html", {"status": 503, "message": error.message}),
                            status=503)
    response["Retry-After"] = str(error.retry_after_seconds)
    return response


def request_size(get_response):
    """A body over Django's limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``) gets a page that says so, not
    RequestDataTooBig's bare 400 or debug page. Answered before anything reads the body (the CSRF check
    does), so nothing is half-done; the form fields carry ``maxlength`` so a person never gets here."""

    def middleware(request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # Files never come through the back office (browsers upload straight to S3), so the whole body counts.
        if limit is not None and length > limit:
            message = (f"That was {length / 1_000_000:.1f} MB; the back office takes at most {limit / 1_000_000:.1f} MB "
                       "at once, so nothing was saved. Go back, shorten the longest text (each field shows "
                       "its limit) and save again.")
            return render(request, "backoffice/error.html", {"status": 413, "message": message}, status=413)
        return get_response(request)

    return middleware


def recheck(request, claims: dict) -> dict | None:
    """Sessions learn what changed in Cognito outside the back office (a role removed in the console, a
    user disabled, a new email or name): the session ends when the person may no longer enter, else its
    claims are refreshed. Run every ``SHIKHAR_SESSION_RECHECK_SECONDS``, not on every request."""
    identity = cognito.current_identity(claims["user_id"])
    person = Actor(user_id=claims["user_id"], groups=frozenset(identity.groups if identity else ()))
    if identity is None or not identity.enabled or not (person.is_admin or person.is_broker or person.is_seller):
        request.session.flush()
        return None
    fresh = {**claims, "email": identity.email, "name": identity.name, "groups": list(identity.groups),
             "checked_at": time.time()}
    request.session[USER_KEY] = fresh
    return fresh


def actor(get_response):
    """``request.actor``: the signed-in person (an ``Actor``) or None."""

    def middleware(request):
        try:
            claims = request.session.get(USER_KEY)
        except Exception as error:
            if not is_outage(error):
                raise
            logger.warning("session store unavailable", exc_info=error)
            return unavailable_page()
        if claims and time.time() - claims.get("checked_at", 0) >= settings.SHIKHAR_SESSION_RECHECK_SECONDS:
            claims = recheck(request, claims)
        request.actor = (Actor(user_id=claims["user_id"], email=claims["email"],
                               groups=frozenset(claims["groups"]), name=claims.get("name", ""))
                         if claims else None)
        return get_response(request)

    return middleware


class DomainErrorMiddleware:
    """A domain error that a view did not handle becomes a page with the right status: a broker
    opening another broker's listing gets the same 404 as for a listing that does not exist."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_outage(exception):
            logger.warning("dependency unavailable", exc_info=exception)
            return unavailable_page()
        if not isinstance(exception, DomainError):
            return None
        status = exception.status
        field = exception.field if exception.field and exception.field not in exception.message else ""
        message = ("That page does not exist." if status == 404
                   else f"{field}: {exception.message}" if field else exception.message)
        return render(request, "backoffice/error.html", {"status": status, "message": message}, status=status)


def server_error(request):
    """``handler500``: an outage that escaped the middleware is still a 503; anything else a styled 500.
    Rendered without the request's context (the failure may lie there), as the 503 page is."""
    if is_outage(sys.exc_info()[1]):
        return unavailable_page()
    return HttpResponseServerError(render_to_string("backoffice/error.html", {
        "status": 500, "message": "Something went wrong on our side. Try again; if it keeps happening, tell "
                                  "the Shikhar team the time it happened."}))


def bad_request(request, exception=None):
    """``handler400``: a request Django refused (a bad Host header, a broken upload)."""
    return render(request, "backoffice/error.html", {
        "status": 400, "message": "The browser sent something the back office could not read. Go back and try again."},
        status=400)


def permission_denied(request, exception=None):
    """``handler403``: a page of another role, or a failed CSRF check's cousin; says why and where to go."""
    return render(request, "backoffice/error.html", {
        "status": 403, "message": "Your role does not open this page. Go back to your own pages, or sign in with "
                                  "an account that has this role."}, status=403)


def page_not_found(request, exception=None):
    """``handler404``: an address that leads nowhere, or an object this person may not see."""
    return render(request, "backoffice/error.html", {
        "status": 404, "message": "That page does not exist, or it is not yours to see."}, status=404)
