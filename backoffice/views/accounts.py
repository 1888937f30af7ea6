"""Signing in and out. Password first, then TOTP; brokers and admins without TOTP are taken through
setup before anything else; buyers are refused with a clear page. The half-finished sign-in lives in
the (server-side) session under ``PENDING`` until it completes; only then is the session keyed anew
and the person stored in it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import segno
from django import forms
from django.conf import settings
from django.http import JsonResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from backoffice import cognito
from backoffice.sessions import USER_KEY
from marketplace.actors import Actor
from marketplace.errors import Unavailable
from marketplace.health import dependency_checks
from marketplace.services import sign_in_limits
from marketplace.services.people import user_profile_sync

PENDING = "pending_sign_in"


class PasswordForm(forms.Form):
    email = forms.EmailField(max_length=254)
    password = forms.CharField(widget=forms.PasswordInput, max_length=256)


class CodeForm(forms.Form):
    code = forms.RegexField(regex=r"^\s*\d{6}\s*$", max_length=12,
                            error_messages={"invalid": "Enter the 6-digit code from your authenticator app."},
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class NewPasswordForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, min_length=12, max_length=256)
    confirm = forms.CharField(widget=forms.PasswordInput, max_length=256)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("confirm"):
            self.add_error("confirm", "The two passwords differ.")
        return data


def favicon(request):
    """Browsers and tools that ignore the pages' icon link ask for /favicon.ico: send them to the icon."""
    return redirect(static("backoffice/favicon.svg"), permanent=True)


def health(request):
    """200 when every dependency answers; 503 with Retry-After naming the ones that do not."""
    checks = dependency_checks()
    healthy = all(result == "ok" for result in checks.values())
    response = JsonResponse({"status": "ok" if healthy else "unavailable", "checks": checks},
                            status=200 if healthy else 503)
    if not healthy:
        response["Retry-After"] = str(Unavailable.retry_after_seconds)
    return response


def home(request):
    actor = request.actor
    if actor is None:
        return redirect("login")
    if actor.is_admin:
        return redirect("admin-dashboard")
    if actor.is_broker:
        return redirect("inventory")
    return redirect("seller-home")


def _next_url(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return reverse("home")


def _complete(request, claims: dict):
    """Signed in: a new session key, a new CSRF token, the person in the session. A TOTP code (a sign-in's
    or a setup's) of a time step that already completed a sign-in of this person, or an older one, does
    not complete another."""
    actor = Actor.from_claims(claims)
    pending = request.session.get(PENDING, {})
    accepted_at = datetime.fromtimestamp(pending["mfa_at"], UTC) if pending.get("mfa_at") else None
    if pending.get("mfa_done") and not sign_in_limits.totp_step_claim(user_id=actor.user_id, now=accepted_at):
        raise cognito.SignInFailed(cognito.BAD_CODE)
    sign_in_limits.sign_in_succeeded(account=pending.get("email") or actor.email)
    user_profile_sync(user_id=actor.user_id, email=actor.email, groups=sorted(actor.groups), name=actor.name)
    request.session.cycle_key()
    rotate_token(request)
    request.session.pop(PENDING, None)
    request.session[USER_KEY] = {"user_id": actor.user_id, "email": actor.email, "groups": sorted(actor.groups),
                                 "name": actor.name, "checked_at": time.time()}
    return redirect(_next_url(request, pending.get("next")))


def _after_tokens(request, tokens: dict):
    """Password (or challenge) accepted: refuse buyers, set up TOTP where it is missing, else finish."""
    claims = cognito.verify_id_token(tokens["IdToken"])
    actor = Actor.from_claims(claims)
    if not actor.in_back_office:
        request.session.pop(PENDING, None)
        return render(request, "backoffice/refused.html", status=403)
    pending = request.session.get(PENDING, {})
    if actor.needs_mfa and not pending.get("mfa_done"):
        # Tokens without a TOTP challenge: this person has no TOTP yet. Nothing else until it is set up.
        request.session[PENDING] = {**pending, "stage": "setup", "access_token": tokens["AccessToken"],
                                    "claims": claims}
        return redirect("mfa-setup")
    return _complete(request, claims)


def _continue(request, step: cognito.Step):
    if step.tokens:
        return _after_tokens(request, step.tokens)
    pending = request.session.get(PENDING, {})
    stages = {"SOFTWARE_TOKEN_MFA": ("code", "mfa-code"), "NEW_PASSWORD_REQUIRED": ("new_password", "new-password"),
              "MFA_SETUP": ("setup", "mfa-setup")}
    if step.challenge not in stages:
        raise cognito.SignInFailed()
    stage, url = stages[step.challenge]
    request.session[PENDING] = {**pending, "stage": stage, "session": step.session}
    return redirect(url)


def client_ip(request) -> str:
    """The visitor's address: REMOTE_ADDR, or behind ``SHIKHAR_PROXY_HOPS`` trusted proxies (CloudFront)
    the address the nearest of them saw, from the right of X-Forwarded-For (the left part is the
    visitor's own to forge)."""
    hops = settings.SHIKHAR_PROXY_HOPS
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def _failed(request, email: str, failure: cognito.SignInFailed) -> tuple[str, int]:
    """Count the failure against the account and the address; the message and status to show."""
    sign_in_limits.sign_in_failed(account=email, ip=client_ip(request))
    return failure.message, 400


def sign_in(request):
    if request.actor is not None:
        return redirect("home")
    form = PasswordForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        request.session[PENDING] = {"email": email, "next": request.GET.get("next")}
        try:
            sign_in_limits.sign_in_check(account=email, ip=client_ip(request))
            return _continue(request, cognito.password_sign_in(email=email, password=form.cleaned_data["password"]))
        except sign_in_limits.TooManyAttempts as blocked:
            request.session.pop(PENDING, None)
            error, status = blocked.message, blocked.status
        except cognito.SignInFailed as failure:
            request.session.pop(PENDING, None)
            error, status = _failed(request, email, failure)
    elif request.method == "POST":
        status = 400
    return render(request, "backoffice/login.html", {"form": form, "error": error}, status=status)


def _pending(request, stage: str) -> dict | None:
    pending = request.session.get(PENDING)
    return pending if pending and pending.get("stage") == stage else None


def mfa_code(request):
    pending = _pending(request, "code")
    if pending is None:
        return redirect("login")
    form = CodeForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST" and form.is_valid():
        try:
            sign_in_limits.sign_in_check(account=pending["email"], ip=client_ip(request))
            step = cognito.answer_totp(email=pending["email"], session=pending["session"],
                                       code=form.cleaned_data["code"])
            request.session[PENDING] = {**pending, "mfa_done": True, "mfa_at": time.time()}  # when Cognito took it
            return _continue(request, step)
        except sign_in_limits.TooManyAttempts as blocked:
            error, status = blocked.message, blocked.status
        except cognito.SignInFailed as failure:
            error, status = _failed(request, pending["email"], failure)
    elif request.method == "POST":
        status = 400
    return render(request, "backoffice/mfa_code.html", {"form": form, "error": error}, status=status)


def mfa_setup(request):
    pending = _pending(request, "setup")
    if pending is None:
        return redirect("login")
    if "secret" not in pending:
        secret, session = cognito.totp_begin(access_token=pending.get("access_token"), session=pending.get("session"))
        pending = {**pending, "secret": secret, "session": session or pending.get("session")}
        request.session[PENDING] = pending
    form = CodeForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            step = cognito.totp_finish(code=form.cleaned_data["code"], access_token=pending.get("access_token"),
                                       session=pending.get("session"), email=pending["email"])
            request.session[PENDING] = {**pending, "mfa_done": True, "mfa_at": time.time()}  # when Cognito took it
            if step is None:  # set up while holding tokens: the sign-in is complete
                return _complete(request, pending["claims"])
            return _continue(request, step)
        except cognito.SignInFailed as failure:
            error = failure.message
    uri = cognito.otpauth_uri(email=pending["email"], secret=pending["secret"])
    qr = segno.make(uri, error="m").svg_inline(scale=5, dark="#1b2a3a", light="#ffffff")
    return render(request, "backoffice/mfa_setup.html", {"form": form, "error": error, "qr_svg": qr,
                                                          "secret": pending["secret"]},
                  status=400 if request.method == "POST" else 200)


def new_password(request):
    pending = _pending(request, "new_password")
    if pending is None:
        return redirect("login")
    form = NewPasswordForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            return _continue(request, cognito.answer_new_password(
                email=pending["email"], session=pending["session"], password=form.cleaned_data["password"]))
        except cognito.SignInFailed as failure:
            error = failure.message
    return render(request, "backoffice/new_password.html", {"form": form, "error": error},
                  status=400 if request.method == "POST" else 200)


@require_POST
def sign_out(request):
    request.session.flush()  # deletes the stored session
    return redirect("login")


