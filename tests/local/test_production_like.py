"""``SHIKHAR_PROFILE=production-like make run``: the back office with production settings (parameters and
secrets from the emulator by their declared names) behind the local edge, which treats the Host header
as CloudFront does and sends the edge's CSP."""

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from local.emulator import free_port, port_in_use
from marketplace.deployment import csp_header, site_csp

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xdist_group("run")
PASSWORD = "Shikhar-Demo-2026"


@pytest.fixture(scope="module")
def production_like(tmp_path_factory):
    ports = {"SHIKHAR_EMULATOR_PORT": free_port(), "SHIKHAR_BACKOFFICE_PORT": free_port(),
             "SHIKHAR_API_PORT": free_port(), "SHIKHAR_PAYMENTS_PORT": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHIKHAR_", "AWS_", "DJANGO_"))}
    env.update({k: str(v) for k, v in ports.items()}, SHIKHAR_DEMO_LISTINGS="1", PYTHONUNBUFFERED="1",
               SHIKHAR_PROFILE="production-like")
    log_path = tmp_path_factory.mktemp("run") / "run.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "local.run"], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while "Ctrl-C stops everything." not in log_path.read_text():
            assert process.poll() is None, _plain(log_path.read_text())
            assert time.monotonic() < deadline, "make run did not come up in 5 minutes"
            time.sleep(0.5)
        for _ in range(120):
            if port_in_use(ports["SHIKHAR_BACKOFFICE_PORT"]):
                break
            time.sleep(0.5)
        yield ports, log_path
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def _plain(log: str) -> str:
    """The run's own output without the workers' JSON log lines, which would hide why it stopped."""
    return "\n".join(line for line in log.splitlines() if not line.startswith("{"))[-4000:]


def _get(url: str, **headers) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_the_back_office_runs_production_settings_behind_the_edge(production_like):
    ports, log = production_like
    base = f"http://127.0.0.1:{ports['SHIKHAR_BACKOFFICE_PORT']}"
    emulator = f"http://127.0.0.1:{ports['SHIKHAR_EMULATOR_PORT']}"
    assert "profile production-like" in log.read_text()

    # When the login page is asked for under the distribution's (local) domain
    status, headers, body = _get(base + "/login/")

    # Then it answers, with the policy the edge sends: uploads to the raw bucket (the emulator here) allowed
    assert status == 200 and "<h1>Sign in</h1>" in body
    expected = csp_header(site_csp(raw_bucket="shikhar-local-raw-uploads", documents_bucket="shikhar-local-documents",
                                   region="ap-south-1",
                                   endpoint_url=emulator, media_urls=(emulator,)))
    assert headers["Content-Security-Policy"] == expected
    assert f"connect-src 'self' {emulator};" in headers["Content-Security-Policy"]
    # Cookies without Secure only by the explicit local override, still HttpOnly
    assert headers["Set-Cookie"].startswith("csrftoken=") and "HttpOnly" in headers["Set-Cookie"]
    # Static files from the edge's /static behaviour, under the same domain
    assert f'href="{base}/static/backoffice/site.css"' in body
    assert _get(base + "/static/backoffice/site.css")[0] == 200


def test_only_the_distributions_host_is_served_and_debug_is_off(production_like):
    ports, _ = production_like
    base = f"http://127.0.0.1:{ports['SHIKHAR_BACKOFFICE_PORT']}"

    # A viewer host that is not the distribution's is refused (Django sees it as X-Forwarded-Host)
    assert _get(base + "/login/", Host="evil.example")[0] == 400
    # An unknown page is the site's own 404, not Django's debug page
    status, _, body = _get(base + "/no-such-page/")
    assert status == 404 and "URLconf" not in body and "Traceback" not in body


def test_a_seller_signs_in_with_the_back_office_clients_flow(production_like):
    ports, _ = production_like
    base = f"http://127.0.0.1:{ports['SHIKHAR_BACKOFFICE_PORT']}"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": "seller@demo.shikhar.np",
                                   "password": PASSWORD}).encode()
    with opener.open(urllib.request.Request(base + "/login/", data=form, headers={"Origin": base}),
                     timeout=30) as response:
        body = response.read().decode()

    assert response.url == base + "/seller/"
    assert "<h1>My properties</h1>" in body


def test_the_public_api_answers_through_the_edge_only(production_like):
    ports, _ = production_like
    direct = f"http://127.0.0.1:{ports['SHIKHAR_API_PORT']}/v1/listings"
    edge = f"http://127.0.0.1:{ports['SHIKHAR_BACKOFFICE_PORT']}/api/v1/listings"

    # A call to the API's own address (past CloudFront and its WAF) is refused
    status, _, body = _get(direct)
    assert status == 403 and '"forbidden"' in body
    # Through the edge, which adds the origin secret, the same request is served
    status, headers, body = _get(edge)
    assert status == 200 and '"items"' in body
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
