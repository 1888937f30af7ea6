"""Request plumbing: correlation ids, who is acting, and domain errors as proper pages (never a 500)."""

from __future__ import annotations

from django.shortcuts import render

from backoffice.sessions import USER_KEY
from marketplace.actors import Actor
from marketplace.errors import DomainError
from marketplace.ids import new_id
from marketplace.observability import set_correlation_id


def correlation(get_response):
    """One id per request, carried into the audit log and the events the request causes."""

    def middleware(request):
        request.correlation_id = request.headers.get("X-Correlation-Id", "")[:64] or new_id()
        set_correlation_id(request.correlation_id)
        response = get_response(request)
        response["X-Correlation-Id"] = request.correlation_id
        return response

    return middleware


def actor(get_response):
    """``request.actor``: the signed-in person (an ``Actor``) or None."""

    def middleware(request):
        claims = request.session.get(USER_KEY)
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
        if not isinstance(exception, DomainError):
            return None
        status = exception.status
        message = "That page does not exist." if status == 404 else exception.message
        return render(request, "backoffice/error.html", {"status": status, "message": message}, status=status)
