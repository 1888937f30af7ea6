"""Property tests of the agency pages: whatever an admin sends to them, the answer is never a 5xx."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from backoffice.forms import AgencyForm, AgencyMemberForm, AgencyRenewForm, AgencyVerifyForm
from tests.backoffice.test_properties import SETTINGS, _no_5xx, form_data, text
from tests.shared.agencies import licensed_agency


def test_agency_forms_never_answer_a_5xx(signed_in, people):
    agency = licensed_agency(admin=people["admin"].actor)
    browser = signed_in("admin")
    page = f"/admin/agencies/{agency.agency_id}/"

    @SETTINGS
    @given(create=form_data(AgencyForm), verify=form_data(AgencyVerifyForm), renew=form_data(AgencyRenewForm),
           member=form_data(AgencyMemberForm), which=st.one_of(st.sampled_from(["verify", "renew", "member"]), text),
           cursor=text)
    def post(create, verify, renew, member, which, cursor):
        _no_5xx(browser.post("/admin/agencies/", create))
        _no_5xx(browser.get("/admin/agencies/", {"cursor": cursor}))
        _no_5xx(browser.post(page, {"form": "verify", **verify}))
        _no_5xx(browser.post(page, {"form": "renew", **renew}))
        _no_5xx(browser.post(page, {"form": "member", **member}))
        _no_5xx(browser.post(page, {"form": which}))

    post()
