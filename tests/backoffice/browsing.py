"""What the browser tests share: Debian's Chromium through Playwright, the back office over real HTTP,
signing in with a new authenticator, screenshots, and the checks every page passes (images decode,
nothing wider than the screen, no serious or critical axe-core finding, no console error, numbers in
Nepali grouping). The fixtures are registered by tests/backoffice/conftest.py."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from django.core.wsgi import get_wsgi_application
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from marketplace.aws import client
from marketplace.selectors.listings import listing_get
from tests.media_pipeline.helpers import upload_drawn
from tests.shared.lifecycle import listing_act
from tests.shared.people import PASSWORD, totp_code

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "backoffice"
AXE_VERSION = "4.10.3"  # scripts/browser-assets fetches this one
AXE = ROOT / ".cache" / "browser-assets" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
AXE_PATH = "/__journey-checks__/axe.min.js"  # served by the test's route, so the page's CSP ('self') allows it
# A grouped number: Nepali grouping (3 digits, then 2s: 4,50,00,000) is the only one allowed.
GROUPED = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{2,3})+(?![\d,])")
NEPALI_GROUPED = re.compile(r"\d{1,3}|\d{1,2}(?:,\d{2})*,\d{3}")
SIZES = ((1440, 900), (390, 844))  # desktop and phone: every journey runs at both


@pytest.fixture(scope="session")
def chromium_path():
    # Installed by `make test`'s set-up step (scripts/system-packages), never by a test.
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/system-packages` (as root) or `make test`")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])
        yield launched
        launched.close()


@pytest.fixture
def context(browser):
    """A fresh browser context (cookies, storage) for one test."""
    opened = browser.new_context()
    yield opened
    opened.close()


@pytest.fixture
def live_backoffice(platform):
    """The back office over real HTTP on a free port; the raw bucket accepts uploads from its origin."""
    server = make_server("127.0.0.1", 0, get_wsgi_application(), threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    client("s3").put_bucket_cors(Bucket=platform.raw_bucket, CORSConfiguration={"CORSRules": [{
        "AllowedMethods": ["POST"], "AllowedOrigins": [url], "AllowedHeaders": ["*"], "MaxAgeSeconds": 300}]})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join(timeout=5)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in_with_password(page, person) -> None:
    """On the sign-in page already open: e-mail and password (a seller or buyer has no second step)."""
    page.fill("#id_email", person.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def sign_in_with_new_totp(page, base: str, person) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_email", person.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Set up two-step sign-in")
    shot(page, f"totp-setup-{person.groups[0]}")
    person.totp_secret = page.locator("code.secret").inner_text()
    page.fill("#id_code", totp_code(person.totp_secret))
    page.click("button[type=submit]")


def assert_images_load(page, selector: str, count: int | None = None) -> None:
    """Every image matched has loaded and decoded in the browser (naturalWidth > 0), not merely 200;
    ``count`` of them, or at least one."""
    images = page.locator(selector)
    if count is None:
        expect(images.first).to_be_attached(timeout=30_000)
        count = images.count()
    else:
        expect(images).to_have_count(count, timeout=30_000)
    for index in range(count):  # lazy images load once they are near the viewport, as a person scrolls
        images.nth(index).scroll_into_view_if_needed()
    page.wait_for_function("s => [...document.querySelectorAll(s)].every(i => i.complete)", arg=selector)
    widths = page.eval_on_selector_all(selector, "images => images.map(i => [i.naturalWidth, i.currentSrc])")
    assert all(width > 0 for width, _ in widths), widths


class Journey:
    """One person's pages in one browser context, checked as each is visited. Console errors (a failed
    request, a CSP refusal, a script error) are collected from the context's start."""

    def __init__(self, context, base: str, name: str):
        if not AXE.exists():
            pytest.fail(f"{AXE} is missing: run `bash scripts/browser-assets` (or `make test`, which does)")
        self.base, self.name, self.errors = base, name, []
        context.route(f"{base}{AXE_PATH}", lambda route: route.fulfill(
            body=AXE.read_bytes(), content_type="application/javascript"))
        self.page = context.new_page()
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(
            f"{self.page.url}: {message.text}"))
        self.page.on("pageerror", lambda error: self.errors.append(f"{self.page.url}: {error}"))
        self.width = 0

    def size(self, width: int, height: int) -> None:
        self.page.set_viewport_size({"width": width, "height": height})
        self.width = width

    def open(self, path: str, name: str, *, status: int = 200):
        response = self.page.goto(f"{self.base}{path}")
        assert response.status == status, (path, response.status)
        if status >= 400:  # Chromium logs the page's own error status; that one is expected here
            own = f"{self.base}{path}: Failed to load resource: the server responded with a status of {status}"
            self.errors = [e for e in self.errors if not e.startswith(own)]
        self.check(name)
        return response

    def check(self, name: str) -> None:
        """The page as it is now: screenshot, width, accessibility, Nepali grouping, console."""
        page = self.page
        page.wait_for_load_state("load")
        shot(page, f"{self.name}-{name}-{self.width}")
        wide = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], f"{name} at {self.width}: {wide[0]} px wide in a {wide[1]} px window"
        page.add_script_tag(url=f"{self.base}{AXE_PATH}")
        findings = page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`)""")
        assert not findings, f"{name} at {self.width}: {findings}"
        smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll("svg.bars text")]
            .filter(t => t.getClientRects().length)  // drawn (a chart's phone or desktop form is not)
            .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a), 99)""")
        assert smallest >= 12, f"{name} at {self.width}: chart text drawn at {smallest:.1f} px"
        text = page.evaluate("() => document.body.innerText")
        western = [n for n in GROUPED.findall(text) if not NEPALI_GROUPED.fullmatch(n)]
        assert not western, f"{name} at {self.width}: numbers not in Nepali grouping: {western}"
        assert not self.errors, self.errors


def listing_with_photos(listing_factory, people, *, title: str, status: str = "pending_review", seeds=(1, 2),
                        **fields):
    """A broker's listing with drawn photos sent through the media pipeline, left as a draft, submitted
    (``pending_review``) or approved by an admin (``active``)."""
    listing = listing_factory(title=title, **fields)
    for seed in seeds:
        upload_drawn(listing, people["broker"].actor, seed=seed)
    if status != "draft":
        listing_act(actor=people["broker"].actor, listing_id=listing.listing_id, action="submit")
    if status == "active":
        listing_act(actor=people["admin"].actor, listing_id=listing.listing_id, action="approve")
    return listing_get(listing_id=listing.listing_id)
