"""Responding to a compromised credential: a person (their Cognito ``sub``), an IAM access key, or a
secret in Secrets Manager. Dry run by default: it says what it would do; ``apply`` does it and records
each response in the audit log (entity ``credential``).

- a person: Cognito global sign-out (refresh tokens revoked), the user disabled, every back-office
  session ended;
- an access key: made inactive (not deleted: CloudTrail investigations still name it);
- a secret: a new value (its rotation function when rotation is configured; otherwise a new random
  value in the same shape: JSON fields named like password/secret/key, or the whole string).
"""

from __future__ import annotations

import json
import re
import secrets as random_source
from dataclasses import dataclass, field

from marketplace import db
from marketplace.actors import Actor, Group
from marketplace.audit import audit_entry
from marketplace.aws import client
from marketplace.config import settings
from marketplace.services.sessions import user_sessions_revoke

OPERATOR = Actor(user_id="ops", email="ops@shikhar.np", groups=frozenset({Group.ADMINS}),
                 name="python -m ops credential-compromise")
_SECRET_FIELD = re.compile(r"password|secret|key|token", re.IGNORECASE)


@dataclass
class Response:
    apply: bool
    done: list[str] = field(default_factory=list)

    def step(self, text: str) -> bool:
        """Note a step; True when it should really be carried out."""
        self.done.append(("" if self.apply else "would ") + text)
        return self.apply

    def lines(self) -> list[str]:
        head = "credential compromise response" + ("" if self.apply else " (dry run: nothing changed; --apply)")
        return [head, *(f"  - {line}" for line in self.done)]


def _record(kind: str, identifier: str, action: str, reason: str) -> None:
    entry = audit_entry(actor=OPERATOR, entity_type="credential", entity_id=f"{kind}:{identifier}", action=action,
                        after={"response": action}, reason=reason)
    db.save(entry)


def respond_user(response: Response, *, sub: str, reason: str) -> None:
    idp, pool = client("cognito-idp"), settings().user_pool_id
    idp.admin_get_user(UserPoolId=pool, Username=sub)  # fails clearly for an unknown sub, before anything
    if response.step(f"sign out user {sub} everywhere and disable them in Cognito"):
        idp.admin_user_global_sign_out(UserPoolId=pool, Username=sub)
        idp.admin_disable_user(UserPoolId=pool, Username=sub)
    if response.step(f"end every back-office session of {sub}"):
        user_sessions_revoke(actor=OPERATOR, user_id=sub, reason=reason)
    if response.apply:
        _record("user", sub, "sign_out_and_disable", reason)


def respond_access_key(response: Response, *, access_key_id: str, reason: str) -> None:
    iam = client("iam")
    owner = iam.get_access_key_last_used(AccessKeyId=access_key_id).get("UserName")
    if response.step(f"make access key {access_key_id} of IAM user {owner} inactive"):
        iam.update_access_key(UserName=owner, AccessKeyId=access_key_id, Status="Inactive")
        _record("access_key", access_key_id, "deactivate", reason)


def new_secret_value(current: str) -> str:
    """A fresh value in the current one's shape."""
    try:
        fields = json.loads(current)
    except ValueError:
        fields = None
    if isinstance(fields, dict):
        return json.dumps({name: random_source.token_urlsafe(48) if _SECRET_FIELD.search(name) else value
                           for name, value in fields.items()})
    return random_source.token_urlsafe(64)


def respond_secret(response: Response, *, name: str, reason: str) -> None:
    manager = client("secretsmanager")
    described = manager.describe_secret(SecretId=name)
    if described.get("RotationEnabled"):
        if response.step(f"rotate secret {name} with its rotation function"):
            manager.rotate_secret(SecretId=name)
    elif response.step(f"put a new random value in secret {name} (the old one stays as AWSPREVIOUS)"):
        current = manager.get_secret_value(SecretId=name)["SecretString"]
        manager.put_secret_value(SecretId=name, SecretString=new_secret_value(current))
    if response.apply:
        _record("secret", name, "rotate", reason)
    response.done.append("then: redeploy or restart what reads it (see docs/runbooks/credential-compromise.md)")


def credential_compromise(*, user: str | None = None, access_key: str | None = None, secret: str | None = None,
                          apply: bool = False, reason: str = "credential compromise") -> Response:
    response = Response(apply=apply)
    if user:
        respond_user(response, sub=user, reason=reason)
    if access_key:
        respond_access_key(response, access_key_id=access_key, reason=reason)
    if secret:
        respond_secret(response, name=secret, reason=reason)
    return response
