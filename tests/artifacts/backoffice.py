"""The back office's Zappa zip as Lambda runs it: ``zappa.handler.lambda_handler`` from the unzipped
package, with the environment ``zappa_settings.json`` gives the stage, behind CloudFront (which sends
the origin's host, the viewer's in X-Forwarded-Host, its Origin header and X-Forwarded-Proto), driven like a browser: cookies,
CSRF tokens, the TOTP set-up of a first sign-in."""

from __future__ import annotations

import base64
import html
import json
import re
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pyotp

from marketplace.deployment import FORWARDED_HOST_HEADER
from tests.artifacts.runner import REPO, Function, emulated_url
from tests.artifacts.stage import Stage

EMULATOR_TOTP_SECRET = "asdfasdfasdf"  # the emulator's fixed TOTP secret, base32 as it stands
ORIGIN_HOST = "backoffice0.execute-api.ap-south-1.amazonaws.com"  # the Host CloudFront sends to the origin


def zappa_function(stage: Stage, package: Path) -> Function:
    settings = json.loads((REPO / "zappa_settings.json").read_text())
    merged = {**settings["base"], **settings[stage.name]}
    environment = {**merged.get("environment_variables", {}), **merged.get("aws_environment_variables", {})}
    role_name = merged["role_arn"].rsplit("/", 1)[-1]
    (stack, role, _), = [(s, logical_id, r) for s, logical_id, r in stage.of_type("AWS::IAM::Role")
                         if r["Properties"].get("RoleName") == role_name]
    return Function(name=f"{merged['project_name']}-{stage.name}", stack=stack, role=role,
                    handler="zappa.handler.lambda_handler", path=[str(package)],
                    environment={k: emulated_url(str(v), stage) for k, v in environment.items()},
                    memory_mb=merged.get("memory_size", 512), timeout_s=merged.get("timeout_seconds", 30),
                    code=package, properties={"TracingConfig": {"Mode": "Active" if merged.get("xray_tracing")
                                                                else "PassThrough"}})


def http_event(method: str, url: str, *, viewer_host: str, account: str, cookies: dict[str, str] | None = None,
               form: dict | None = None) -> dict:
    """A browser's request to the back office as API Gateway (HTTP API, payload 2.0) passes it to Zappa,
    having come through CloudFront: the origin's Host; the viewer's, from the edge's viewer-request function."""
    parts = urlsplit(url)
    headers = {"host": ORIGIN_HOST, FORWARDED_HOST_HEADER.lower(): viewer_host,
               "x-forwarded-proto": "https", "accept": "text/html",
               "user-agent": "Mozilla/5.0 (artifacts test)", "referer": f"https://{viewer_host}/login/"}
    body = None
    if form is not None:
        body = urlencode(form)
        headers.update({"content-type": "application/x-www-form-urlencoded", "origin": f"https://{viewer_host}"})
    return {"version": "2.0", "routeKey": "$default", "rawPath": parts.path, "rawQueryString": parts.query,
            "headers": headers, "cookies": [f"{k}={v}" for k, v in (cookies or {}).items()],
            "queryStringParameters": dict(parse_qsl(parts.query)) or None,
            "requestContext": {"http": {"method": method, "path": parts.path, "protocol": "HTTP/1.1",
                                        "sourceIp": "203.0.113.7", "userAgent": "artifacts"},
                               "requestId": str(uuid.uuid4()), "stage": "$default", "domainName": ORIGIN_HOST,
                               "accountId": account, "apiId": "backoffice0"},
            "body": body, "isBase64Encoded": False}


class _TOTP(pyotp.TOTP):
    def byte_secret(self) -> bytes:
        return base64.b32decode(self.secret + "=" * (-len(self.secret) % 8), casefold=True)


def totp_now() -> str:
    if 30 - time.time() % 30 < 3:  # the emulator allows no clock skew: do not use a code about to roll over
        time.sleep(30 - time.time() % 30 + 0.2)
    return _TOTP(EMULATOR_TOTP_SECRET).now()


class Browser:
    def __init__(self, scenario, seeded: dict) -> None:
        self.scenario = scenario
        self.seeded = seeded
        self.name = f"shikhar-backoffice-{scenario.stage.name}"
        domain_parameter = scenario.functions[self.name].environment["SHIKHAR_CLOUDFRONT_DOMAIN_PARAMETER"]
        self.viewer_host = scenario.aws("ssm").get_parameter(Name=domain_parameter)["Parameter"]["Value"]
        self.cookies: dict[str, str] = {}
        self.trail: list[dict] = []
        self.signed_in = False
        self.pages: list[dict] = []
        self.csv: dict = {}

    def request(self, method: str, url: str, form: dict | None = None) -> dict:
        event = http_event(method, url, viewer_host=self.viewer_host, account=self.scenario.stage.account,
                           cookies=self.cookies, form=form)
        result = self.scenario.invoke(self.name, event)
        if not result["ok"]:
            answer = {"status": 502, "body": result["message"], "headers": {}, "url": url}
        else:
            response = result["response"]
            answer = {"status": response["statusCode"], "body": response.get("body") or "", "url": url,
                      "headers": {k.lower(): v for k, v in (response.get("headers") or {}).items()}}
            for cookie in [*response.get("cookies", []), *_set_cookies(response)]:
                for morsel in SimpleCookie(cookie).values():
                    self.cookies[morsel.key] = morsel.value
        self.trail.append({k: (v[:400] if k == "body" else v) for k, v in answer.items()})
        return answer

    def form(self, url: str, fields: dict) -> dict:
        page = self.request("GET", url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page["body"])
        if not token:
            return page
        return self.request("POST", url, {"csrfmiddlewaretoken": token.group(1), **fields})

    def session(self) -> None:
        """Sign in as the admin (first sign-in: TOTP set-up), then read two pages of drafts and the CSV."""
        answer = self.form("/login/", {"email": "admin@demo.shikhar.np", "password": self.seeded["password"]})
        for _ in range(3):  # TOTP set-up, or a code when MFA is already set up
            location = answer["headers"].get("location", "")
            if answer["status"] != 302 or not location.startswith("/login/"):
                break
            answer = self.form(location, {"code": totp_now()})
        self.signed_in = answer["status"] == 302 and not answer["headers"].get("location", "").startswith("/login")
        first = self.request("GET", "/admin/listings/?status=draft")
        found = re.search(r'<a href="\?([^"]*cursor=[^"]+)"[^>]*rel="next"', first["body"])
        second = (self.request("GET", f"/admin/listings/?{html.unescape(found.group(1))}") if found
                  else {"status": None, "body": ""})
        self.pages = [first, second]
        self.csv = self.request("GET", "/admin/listings/?status=draft&format=csv")


def _set_cookies(response: dict) -> list[str]:
    multi = response.get("multiValueHeaders") or {}
    found = [v for k, values in multi.items() if k.lower() == "set-cookie" for v in values]
    single = [v for k, v in (response.get("headers") or {}).items() if k.lower() == "set-cookie"]
    return found + single
