"""Signing in against the Cognito user pool: password, TOTP challenge, TOTP setup, new password.

Every failure a visitor could learn from (unknown email, wrong password, locked out) becomes the same
``SignInFailed`` message, so the page never reveals whether an email has an account.
The back office's own app client (``deployment.BACKOFFICE_CLIENT``) allows only the admin password flow,
which needs the back office role's IAM credentials, so every call here is an ``Admin*`` call.
ID tokens are verified by ``marketplace.tokens`` (the public API's rules) against the pool's JWKS
(``settings().jwks_url``, configurable because the emulator serves it at its own address while the
``iss`` claim always names the AWS one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from marketplace.aws import client
from marketplace.config import settings
from marketplace.deployment import BACKOFFICE_CLIENT
from marketplace.tokens import TokenError, Verifier, pool_issuer, pool_jwks_url

FAILED = "Those details did not work. Check your email and password, or try again in a few minutes."
BAD_CODE = "That code did not work. Enter the current 6-digit code from your authenticator app."
ISSUER = "shikhar"
(SIGN_IN_FLOW,) = BACKOFFICE_CLIENT.sign_in_flows


class SignInFailed(Exception):
    def __init__(self, message: str = FAILED):
        super().__init__(message)
        self.message = message


@dataclass
class Step:
    """Where a sign-in stands: done (``tokens``) or a challenge to answer with ``session``."""

    tokens: dict = field(default_factory=dict)
    challenge: str | None = None
    session: str | None = None
    parameters: dict = field(default_factory=dict)


def _idp():
    return client("cognito-idp")


def _step(response: dict) -> Step:
    if "AuthenticationResult" in response:
        return Step(tokens=response["AuthenticationResult"])
    return Step(challenge=response.get("ChallengeName"), session=response.get("Session"),
                parameters=response.get("ChallengeParameters", {}))


def _respond(challenge: str, *, session: str, responses: dict) -> Step:
    cfg = settings()
    return _step(_idp().admin_respond_to_auth_challenge(
        UserPoolId=cfg.user_pool_id, ClientId=cfg.backoffice_client_id, ChallengeName=challenge, Session=session,
        ChallengeResponses=responses))


def password_sign_in(*, email: str, password: str) -> Step:
    cfg = settings()
    try:
        return _step(_idp().admin_initiate_auth(
            UserPoolId=cfg.user_pool_id, ClientId=cfg.backoffice_client_id, AuthFlow=SIGN_IN_FLOW,
            AuthParameters={"USERNAME": email, "PASSWORD": password}))
    except ClientError as error:
        # NotAuthorized, UserNotFound, PasswordResetRequired, UserNotConfirmed, TooManyRequests,
        # TooManyFailedAttempts: one answer for all of them.
        raise SignInFailed() from error


def answer_totp(*, email: str, session: str, code: str) -> Step:
    try:
        return _respond("SOFTWARE_TOKEN_MFA", session=session,
                        responses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": code.strip()})
    except ClientError as error:
        if error.response["Error"]["Code"] in ("CodeMismatchException", "ExpiredCodeException"):
            raise SignInFailed(BAD_CODE) from error
        raise SignInFailed() from error


def answer_new_password(*, email: str, session: str, password: str) -> Step:
    try:
        return _respond("NEW_PASSWORD_REQUIRED", session=session,
                        responses={"USERNAME": email, "NEW_PASSWORD": password})
    except ClientError as error:
        if error.response["Error"]["Code"] == "InvalidPasswordException":
            raise SignInFailed("That password is too weak: use at least 12 characters with upper and lower "
                               "case letters and a number.") from error
        raise SignInFailed() from error


def totp_begin(*, access_token: str | None = None, session: str | None = None) -> tuple[str, str | None]:
    """Start TOTP setup; returns (secret, session to continue with, when setup began from a challenge)."""
    kwargs = {"AccessToken": access_token} if access_token else {"Session": session}
    response = _idp().associate_software_token(**kwargs)
    return response["SecretCode"], response.get("Session")


def totp_finish(*, code: str, access_token: str | None = None, session: str | None = None,
                email: str = "") -> Step | None:
    """Check the first code and make TOTP the user's MFA. With an access token the user is already
    signed in (returns None); from an MFA_SETUP challenge, returns the finished sign-in."""
    kwargs = {"AccessToken": access_token} if access_token else {"Session": session}
    try:
        response = _idp().verify_software_token(UserCode=code.strip(), FriendlyDeviceName="Shikhar back office",
                                                **kwargs)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("CodeMismatchException", "EnableSoftwareTokenMFAException",
                                               "InvalidParameterException"):
            raise SignInFailed(BAD_CODE) from error
        raise SignInFailed() from error
    if response.get("Status") != "SUCCESS":
        raise SignInFailed(BAD_CODE)
    if access_token:
        _idp().set_user_mfa_preference(AccessToken=access_token, SoftwareTokenMfaSettings={
            "Enabled": True, "PreferredMfa": True})
        return None
    return _respond("MFA_SETUP", session=response["Session"], responses={"USERNAME": email})


def otpauth_uri(*, email: str, secret: str) -> str:
    return f"otpauth://totp/{ISSUER}:{email}?secret={secret}&issuer={ISSUER}"


def verify_id_token(token: str) -> dict:
    """The token's claims if it is a valid, unexpired ID token of this pool and the back office's client."""
    cfg = settings()
    issuer = pool_issuer(region=cfg.region, user_pool_id=cfg.user_pool_id)
    verifier = Verifier(issuer=issuer, jwks_url=cfg.jwks_url or pool_jwks_url(issuer),
                        audiences=(cfg.backoffice_client_id,), token_use="id")
    try:
        return verifier.verify(token)
    except TokenError as error:
        raise SignInFailed() from error


@dataclass(frozen=True)
class Identity:
    """What Cognito says about a person now (the source of truth for roles, email and name)."""

    enabled: bool
    email: str
    name: str
    groups: tuple[str, ...]


def current_identity(sub: str) -> Identity | None:
    """The person as Cognito has them now, by their immutable ``sub``; None if they no longer exist."""
    idp, pool = _idp(), settings().user_pool_id
    try:
        user = idp.admin_get_user(UserPoolId=pool, Username=sub)
        groups = idp.admin_list_groups_for_user(UserPoolId=pool, Username=sub, Limit=60)["Groups"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "UserNotFoundException":
            return None
        raise
    attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
    return Identity(enabled=user.get("Enabled", True), email=attributes.get("email", ""),
                    name=attributes.get("name", ""), groups=tuple(sorted(g["GroupName"] for g in groups)))
