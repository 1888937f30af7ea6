"""The synthetic journey: sign in -> search -> open a premium listing -> fetch a signed media URL.

The same module runs as the CloudWatch Synthetics canary (infra copies it beside a small entry point)
and from the command line against any environment, ``make run`` included::

    python -m ops synthetic --api http://127.0.0.1:8001 --username premium@demo.shikhar.np
    python -m ops synthetic --api https://<distribution>/api --secret-arn <canary secret>

Standard library and boto3 only: the canary runtime has nothing else. Each step either returns what the
next one needs or raises ``StepFailed`` naming itself; the command exits non-zero with that name.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import boto3

STEPS = ("sign in", "search", "open premium listing", "fetch signed media")


class StepFailed(Exception):
    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


@dataclass
class Journey:
    api: str  # base URL of the public API: .../v1/listings is appended
    client_id: str
    username: str
    password: str
    region: str = "ap-south-1"
    endpoint_url: str | None = None  # the Cognito endpoint (the emulator locally)
    listing_id: str | None = None  # open this listing rather than the first premium one found
    timeout: float = 10.0
    timings: dict[str, float] = field(default_factory=dict)

    def run(self) -> dict:
        token = self._step("sign in", self.sign_in)
        listing_id = self._step("search", lambda: self.search(token))
        detail = self._step("open premium listing", lambda: self.open_listing(token, listing_id))
        url = self._step("fetch signed media", lambda: self.fetch_media(detail))
        return {"ok": True, "listing_id": listing_id, "media_url": url.split("?")[0],
                "timings_ms": {k: round(v * 1000) for k, v in self.timings.items()}}

    def _step(self, name: str, action):
        started = time.perf_counter()
        try:
            return action()
        except StepFailed:
            raise
        except Exception as error:  # any other failure is this step's failure, with its reason
            raise StepFailed(name, f"{type(error).__name__}: {error}") from error
        finally:
            self.timings[name] = time.perf_counter() - started

    def sign_in(self) -> str:
        idp = boto3.client("cognito-idp", region_name=self.region, endpoint_url=self.endpoint_url)
        result = idp.initiate_auth(ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": self.username, "PASSWORD": self.password})
        tokens = result.get("AuthenticationResult")
        if not tokens:
            raise StepFailed("sign in", f"challenge {result.get('ChallengeName')} instead of tokens")
        return tokens["AccessToken"]

    def search(self, token: str) -> str:
        if self.listing_id:
            self._get_json("search", "/v1/listings?limit=1", token)
            return self.listing_id
        page = self._get_json("search", "/v1/listings?premium=true&limit=20", token)
        premium = [card["listing_id"] for card in page.get("items", []) if card.get("premium")]
        if not premium:
            raise StepFailed("search", "no premium listing in the search results")
        return premium[0]

    def open_listing(self, token: str, listing_id: str) -> dict:
        detail = self._get_json("open premium listing", f"/v1/listings/{urllib.parse.quote(listing_id)}", token)
        if not detail.get("premium"):
            raise StepFailed("open premium listing", f"listing {listing_id} is not premium")
        return detail

    def fetch_media(self, detail: dict) -> str:
        unlocked = [m for m in detail.get("media", []) if m.get("premium") and not m.get("locked") and m.get("variants")]
        if not unlocked:
            raise StepFailed("fetch signed media", f"listing {detail.get('listing_id')} shows no unlocked premium media")
        url = unlocked[0]["variants"][0]["url"]
        with urllib.request.urlopen(urllib.request.Request(url), timeout=self.timeout) as response:
            body = response.read()
        if not body:
            raise StepFailed("fetch signed media", "the signed URL returned an empty body")
        return url

    def _get_json(self, step: str, path: str, token: str) -> dict:
        request = urllib.request.Request(f"{self.api.rstrip('/')}{path}",
                                         headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise StepFailed(step, f"GET {path} answered {error.code}") from error


def credentials_from_secret(secret_arn: str, *, region: str, endpoint_url: str | None = None) -> tuple[str, str]:
    value = boto3.client("secretsmanager", region_name=region, endpoint_url=endpoint_url).get_secret_value(
        SecretId=secret_arn)["SecretString"]
    parsed = json.loads(value)
    return parsed["username"], parsed["password"]


def canary_handler(event, context):
    """CloudWatch Synthetics: a raised exception marks the run failed (with the step in the message)."""
    region = os.environ.get("AWS_REGION", "ap-south-1")
    username, password = credentials_from_secret(os.environ["SHIKHAR_SYNTHETIC_SECRET_ARN"], region=region)
    journey = Journey(api=os.environ["SHIKHAR_SYNTHETIC_API"], client_id=os.environ["SHIKHAR_USER_POOL_CLIENT_ID"],
                      username=username, password=password, region=region,
                      listing_id=os.environ.get("SHIKHAR_SYNTHETIC_LISTING") or None)
    return journey.run()
