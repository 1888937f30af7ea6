"""Who may open a view: signed in, and in one of the named groups. Ownership of each object is
checked by the domain's selectors and services (``listing_for_actor`` and friends)."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from marketplace.actors import BACK_OFFICE_GROUPS, Group


def signed_in(*groups: Group):
    """Require a signed-in person in any of ``groups`` (any back-office role when none are named)."""
    allowed = set(groups) or BACK_OFFICE_GROUPS

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.actor is None:
                return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
            if not allowed & request.actor.groups:
                raise PermissionDenied("your role does not give access to this page")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


admins_only = signed_in(Group.ADMINS)
brokers_only = signed_in(Group.BROKERS)
sellers_only = signed_in(Group.SELLERS)
