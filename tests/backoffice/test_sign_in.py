"""Signing in: password + TOTP, TOTP setup for brokers and admins, buyers refused, sessions server-side."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
from django.test import Client

from marketplace.models import Session
from tests.backoffice.conftest import sign_in
from tests.shared.people import PASSWORD, totp_code


def test_admin_without_totp_is_taken_through_setup_before_anything_else(people):
    browser = Client()

    response = browser.post("/login/", {"email": "admin@test.shikhar.np", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/login/totp-setup/"
    # Not signed in yet: the back office itself still asks for a sign-in.
    assert browser.get("/admin/")["Location"].startswith("/login/")
    setup = browser.get("/login/totp-setup/")
    assert setup.status_code == 200
    assert b"<svg" in setup.content  # the QR code, drawn inline
    assert setup.context["secret"] == "asdfasdfasdf"


def test_a_wrong_setup_code_is_refused_and_the_right_one_signs_in(people):
    browser = Client()
    browser.post("/login/", {"email": "broker@test.shikhar.np", "password": PASSWORD})
    secret = browser.get("/login/totp-setup/").context["secret"]

    wrong = browser.post("/login/totp-setup/", {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    right = browser.post("/login/totp-setup/", {"code": totp_code(secret)})

    assert wrong.status_code == 400
    assert b"That code did not work" in wrong.content
    assert right.status_code == 302
    assert browser.get("/broker/").status_code == 200


def test_after_setup_the_next_sign_in_asks_for_the_code(people):
    broker = people["broker"]
    sign_in(Client(), broker)

    browser = Client()
    response = browser.post("/login/", {"email": broker.email, "password": PASSWORD})

    assert response["Location"] == "/login/code/"
    assert browser.post("/login/code/", {"code": "123456" if totp_code(broker.totp_secret) != "123456" else "654321"}
                        ).status_code == 400
    assert browser.post("/login/code/", {"code": broker.fresh_code()})["Location"] == "/"
    assert browser.get("/").url == "/broker/"


def test_wrong_password_and_unknown_email_get_the_same_answer(people):
    wrong_password = Client().post("/login/", {"email": "admin@test.shikhar.np", "password": "Not-The-Password-1"})
    unknown_email = Client().post("/login/", {"email": "nobody@test.shikhar.np", "password": "Not-The-Password-1"})

    assert wrong_password.status_code == unknown_email.status_code == 400
    assert wrong_password.context["error"] == unknown_email.context["error"]
    assert "Those details did not work" in wrong_password.context["error"]


def test_a_buyer_is_refused_with_a_clear_page_and_no_session(people):
    browser = Client()

    response = browser.post("/login/", {"email": "buyer@test.shikhar.np", "password": PASSWORD})

    assert response.status_code == 403
    assert b"Your account is a buyer's account" in response.content
    assert browser.get("/seller/")["Location"].startswith("/login/")


def test_a_seller_signs_in_with_a_password_only(people):
    browser = Client()

    response = sign_in(browser, people["seller"])

    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/seller/"


def test_the_session_lives_in_the_table_and_signing_out_deletes_it(people, signed_in):
    browser = signed_in("admin")
    key = browser.cookies["sessionid"].value
    stored = Session.get(*Session.key(key))
    assert stored.user_id == people["admin"].user_id
    assert stored.expires is not None

    browser.post("/logout/")

    assert Session.count(f"SESSION#{key}") == 0
    assert browser.get("/admin/")["Location"].startswith("/login/")


def test_the_session_key_changes_at_sign_in(people):
    browser = Client()
    browser.post("/login/", {"email": "seller@test.shikhar.np", "password": "wrong-password-123"})
    before = browser.cookies["sessionid"].value if "sessionid" in browser.cookies else None

    sign_in(browser, people["seller"])

    assert browser.cookies["sessionid"].value != before


def test_forms_need_a_csrf_token(people):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/login/", {"email": "seller@test.shikhar.np", "password": PASSWORD})

    assert response.status_code == 403


def test_pages_carry_a_csp_without_inline_scripts(people):
    response = Client().get("/login/")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert b"<script>" not in response.content


def test_health_answers_without_signing_in(people):
    response = Client().get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"table": "ok", "user_pool": "ok"}}


def test_health_checks_its_dependencies(people, table_outage):
    table_outage.active = True

    response = Client().get("/health")

    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json() == {"status": "unavailable", "checks": {"table": "unavailable", "user_pool": "ok"}}


def test_an_outage_is_a_styled_503_page_not_a_traceback(signed_in, table_outage):
    # Given a signed-in admin and broker, and then the table stops answering
    admin, broker = signed_in("admin"), signed_in("broker")
    admin.raise_request_exception = broker.raise_request_exception = False
    table_outage.active = True

    # When they open their pages
    pages = [admin.get("/admin/"), broker.get("/broker/")]

    # Then each is the back office's own 503 page, saying to try again, with Retry-After
    for page in pages:
        assert page.status_code == 503 and page["Retry-After"] == "5"
        assert b"Briefly unavailable" in page.content and b"site.css" in page.content
        assert b"Traceback" not in page.content and b"Endpoint" not in page.content


def test_the_readmes_authenticator_key_signs_in_with_a_standard_totp_library(people):
    # Given the key the README tells people to type into an authenticator app
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    key = re.search(r"^Authenticator key: `([A-Z2-7]+)`$", readme, re.MULTILINE).group(1)
    broker = people["broker"]
    broker.set_up_totp()

    # When the broker signs in with a code that plain pyotp (its default key checks) makes from it
    browser = Client()
    browser.post("/login/", {"email": broker.email, "password": PASSWORD})
    broker.fresh_code()  # out of a step about to roll over
    response = browser.post("/login/code/", {"code": pyotp.TOTP(key).now()})

    # Then they are in
    assert response["Location"] == "/"
    assert browser.get("/").url == "/broker/"


def test_thirty_wrong_passwords_then_the_right_one_is_refused(people):
    admin = people["admin"]
    for _ in range(30):
        Client().post("/login/", {"email": admin.email, "password": "Not-The-Password-1"})

    response = Client().post("/login/", {"email": admin.email, "password": PASSWORD})

    assert response.status_code == 429
    assert response.context["error"] == "Too many attempts. Wait a few minutes, then try again."
    # The same answer for an email nobody has: being blocked tells nothing about accounts
    for _ in range(6):
        Client().post("/login/", {"email": "nobody@test.shikhar.np", "password": "Not-The-Password-1"})
    unknown = Client().post("/login/", {"email": "nobody@test.shikhar.np", "password": PASSWORD})
    assert (unknown.status_code, unknown.context["error"]) == (429, response.context["error"])


def test_forty_wrong_codes_on_one_pending_sign_in_then_the_right_one_is_refused(people):
    broker = people["broker"]
    broker.set_up_totp()
    browser = Client()
    browser.post("/login/", {"email": broker.email, "password": PASSWORD})
    right = broker.fresh_code()  # taken before the guesses, used right after
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(40):
        browser.post("/login/code/", {"code": wrong})

    response = browser.post("/login/code/", {"code": right})

    assert response.status_code == 429
    assert browser.get("/broker/")["Location"].startswith("/login/")


def test_many_accounts_guessed_from_one_address_block_that_address(people):
    for n in range(25):
        Client(REMOTE_ADDR="203.0.113.9").post("/login/", {"email": f"guess{n}@test.shikhar.np",
                                                            "password": "Not-The-Password-1"})

    from_there = Client(REMOTE_ADDR="203.0.113.9").post("/login/", {"email": "admin@test.shikhar.np",
                                                                     "password": PASSWORD})
    from_elsewhere = Client(REMOTE_ADDR="198.51.100.7").post("/login/", {"email": "admin@test.shikhar.np",
                                                                          "password": PASSWORD})

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302


def test_a_totp_code_completes_one_sign_in_only(people):
    # Given a broker with TOTP, and two sign-ins waiting for a code
    broker = people["broker"]
    broker.set_up_totp()
    first, second = Client(), Client()
    for browser in (first, second):
        browser.post("/login/", {"email": broker.email, "password": PASSWORD})

    # When the same code is given to both
    code = broker.fresh_code()
    completed = first.post("/login/code/", {"code": code})
    reused = second.post("/login/code/", {"code": code})

    # Then the first is in and the second is refused with the usual message
    assert completed["Location"] == "/"
    assert reused.status_code == 400 and b"That code did not work" in reused.content
    assert second.get("/broker/")["Location"].startswith("/login/")
