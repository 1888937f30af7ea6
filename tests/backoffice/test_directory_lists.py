"""The admins' lists of people, brokers and agencies as changelists: found by name whatever its case and
accents, sorted by their headings, filtered with "any" choices kept in the URL, an exact total, previous
and next pages, and the same DynamoDB calls on every page however many there are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from backoffice.views import admin as admin_views
from backoffice.views import agencies as agency_views
from marketplace.licensing import LicenceClass, today
from marketplace.services.agencies import agency_create, broker_agency_set
from marketplace.services.people import broker_profile_create, broker_verify, user_profile_sync
from tests.shared.agencies import licensed_agency
from tests.shared.pages import visible_text


def _query(link: str) -> dict:
    return {k: v if len(v) > 1 else v[0] for k, v in parse_qs(link, keep_blank_values=True).items()}


def _walk(browser, url: str, asked: dict) -> list:
    pages = [browser.get(url, asked)]
    while pages[-1].context["pager"]["next"]:
        pages.append(browser.get(url, _query(pages[-1].context["pager"]["next"])))
    return pages


def _counted(browser, dynamodb_calls, url: str, asked: dict) -> tuple:
    dynamodb_calls.reset()
    page = browser.get(url, asked)
    return page, dynamodb_calls.count()


# ---- people ----------------------------------------------------------------------------------------

NAMED = {"p-asha": ("Āsha Rai", "zz.asha@example.np"), "p-anil": ("anil Thapa", "anil@example.np"),
         "p-bikash": ("Bikash Gurung", "bikash@example.np"), "p-sita": ("Sītā Sharma", "sita@example.np"),
         "p-sitaram": ("Sitaram KC", "aa.sitaram@example.np"), "p-nameless": ("", "zed@example.np")}


def _crowd(count: int, *, start: int = 0) -> None:
    """People nobody searches for here, whose emails sort among everyone else's."""
    for n in range(start, start + count):
        user_profile_sync(user_id=f"crowd-{n:03d}", email=f"m{n:03d}@example.np", groups=["buyers"],
                          name=f"Crowd {n:03d}")


def test_people_sort_by_name_and_are_found_by_any_word_of_it_whatever_its_case_and_accents(signed_in, monkeypatch):
    monkeypatch.setattr(admin_views, "PEOPLE_PAGE", 50)
    for user_id, (name, email) in NAMED.items():
        user_profile_sync(user_id=user_id, email=email, groups=["investors"], name=name)
    browser = signed_in("admin")

    def ids(asked: dict) -> list[str]:
        return [p.user_id for p in browser.get("/admin/people/", {"group": "investors", **asked}).context["page"].items]

    by_name = ids({})
    z_to_a = browser.get("/admin/people/", {"group": "investors", "order": "-name"})
    found = {text: ids({"q": text}) for text in ("sita", "SĪTĀ S", "Ā", "anil", "zed@", "ZZ.ASHA@", "thapa")}

    assert by_name == ["p-anil", "p-asha", "p-bikash", "p-sita", "p-sitaram", "p-nameless"]  # "zed@..." by email
    assert [p.user_id for p in z_to_a.context["page"].items] == list(reversed(by_name))
    assert z_to_a.context["sorts"]["Name"]["aria"] == "descending"
    assert found == {"sita": ["p-sita", "p-sitaram"], "SĪTĀ S": ["p-sita"], "Ā": ["p-anil", "p-asha"],
                     "anil": ["p-anil"], "zed@": ["p-nameless"], "ZZ.ASHA@": ["p-asha"],
                     "thapa": ["p-anil"]}  # any word of the name
    assert ids({"order": "email"}) == ["p-sitaram", "p-anil", "p-bikash", "p-sita", "p-nameless", "p-asha"]
    assert "Āsha Rai" in visible_text(browser.get("/admin/people/", {"q": "asha"}).content)
    # a search lists in its own key's order, and its headings say so
    searched = browser.get("/admin/people/", {"group": "investors", "q": "si", "order": "-email"})
    assert [p.user_id for p in searched.context["page"].items] == ["p-sitaram", "p-sita"]
    assert (searched.context["sorts"]["Name"]["aria"], searched.context["sorts"]["Email"]["aria"]) == ("descending", None)


def test_a_name_search_reads_one_query_page_however_sparse_its_matches(signed_in, monkeypatch, dynamodb_calls):
    monkeypatch.setattr(admin_views, "PEOPLE_PAGE", 1)
    for user_id, (name, email) in NAMED.items():
        user_profile_sync(user_id=user_id, email=email, groups=["investors"], name=name)
    _crowd(5)
    browser = signed_in("admin")
    browser.get("/admin/people/")  # the session's first page (it may save the session once)

    def measured() -> list:
        first, first_calls = _counted(browser, dynamodb_calls, "/admin/people/", {"q": "Si"})
        second, second_calls = _counted(browser, dynamodb_calls, "/admin/people/",
                                        _query(first.context["pager"]["next"]))
        _, everyone_calls = _counted(browser, dynamodb_calls, "/admin/people/", {})
        surname, surname_calls = _counted(browser, dynamodb_calls, "/admin/people/", {"q": "KC"})
        shown = [p.user_id for page in (first, second, surname) for p in page.context["page"].items]
        return [shown, visible_text(first.content), first_calls, second_calls, everyone_calls, surname_calls]

    few = measured()
    _crowd(60, start=5)  # their emails sort between the matches': a filter over the email order reads past them
    many = measured()

    assert few[0] == many[0] == ["p-sita", "p-sitaram", "p-sitaram"]  # "KC": a later word of the name
    assert "1–1 of 2 people" in few[1] and "1–1 of 2 people" in many[1]
    # the session's GetItem, the page's one Query page and its COUNT, with 11 people as with 71
    assert few[2:] == many[2:]
    assert many[2] == many[4] == many[5] == {"GetItem": 1, "Query": 2}


def test_people_pages_step_forward_and_back_with_an_exact_total(signed_in, monkeypatch):
    monkeypatch.setattr(admin_views, "PEOPLE_PAGE", 3)
    _crowd(7)
    browser = signed_in("admin")

    pages = _walk(browser, "/admin/people/", {"q": "crowd", "group": "buyers"})
    back = browser.get("/admin/people/", _query(pages[1].context["pager"]["previous"]))

    assert [p.user_id for page in pages for p in page.context["page"].items] == [f"crowd-{n:03d}" for n in range(7)]
    assert "1–3 of 7 people" in visible_text(pages[0].content) and "7–7 of 7 people" in visible_text(pages[2].content)
    assert _query(pages[0].context["pager"]["next"])["group"] == "buyers"  # the filters stay in the URL
    assert [p.user_id for p in back.context["page"].items] == [p.user_id for p in pages[0].context["page"].items]


# ---- brokers ---------------------------------------------------------------------------------------


def _broker(admin, n: int, name: str, *, agency=None, verified: bool = False):
    profile = broker_profile_create(actor=admin, broker_id=f"broker-{n:03d}", name=name, email=f"b{n:03d}@example.np",
                                    licence_number=f"KTM-B-{n:03d}", company="Valley Homes")
    if agency is not None:
        profile = broker_agency_set(actor=admin, broker_id=profile.broker_id, agency_id=agency.agency_id)
    if verified:
        broker_verify(actor=admin, broker_id=profile.broker_id, verified=True, expected_version=profile.version)


def test_brokers_are_searched_filtered_sorted_and_paged(signed_in, people, monkeypatch):
    monkeypatch.setattr(admin_views, "BROKERS_PAGE", 2)
    admin = people["admin"].actor
    everest = licensed_agency(admin=admin, name="Everest Properties")
    _broker(admin, 1, "Śarmilā Karki", agency=everest, verified=True)
    _broker(admin, 2, "Ramesh Adhikari", agency=everest)
    _broker(admin, 3, "Zoya Maharjan")
    browser = signed_in("admin")

    def names(asked: dict) -> list[str]:
        return [b.name for page in _walk(browser, "/admin/brokers/", asked) for b in page.context["page"]]

    everyone = _walk(browser, "/admin/brokers/", {})
    page = everyone[0].content.decode()

    assert [b.name for p in everyone for b in p.context["page"]] == ["Broker", "Other_Broker", "Ramesh Adhikari",
                                                                    "Śarmilā Karki", "Zoya Maharjan"]
    assert "1–2 of 5 brokers" in visible_text(everyone[0].content)
    assert "5–5 of 5 brokers" in visible_text(everyone[2].content)
    assert names({"q": "SARMILA"}) == names({"q": "śarmilā k"}) == names({"q": "ktm-b-001"}) == ["Śarmilā Karki"]
    assert names({"verified": "yes"}) == ["Śarmilā Karki"]
    assert names({"verified": "no", "agency": everest.agency_id}) == ["Ramesh Adhikari"]
    assert names({"agency": "none"}) == ["Zoya Maharjan"]
    assert names({"order": "-name"}) == ["Zoya Maharjan", "Śarmilā Karki", "Ramesh Adhikari", "Other_Broker", "Broker"]
    assert names({"order": "-verified", "agency": everest.agency_id})[0] == "Śarmilā Karki"
    assert names({"order": "agency"})[-1] == "Zoya Maharjan"  # no agency after every agency
    assert '<option value="" selected>any</option>' in page  # the verified and agency filters
    assert '<option value="none">no agency</option>' in page
    assert f'<option value="{everest.agency_id}">Everest Properties</option>' in page
    kept = _query(_walk(browser, "/admin/brokers/", {"verified": "no", "order": "-name"})[0].context["pager"]["next"])
    assert (kept["verified"], kept["order"]) == ("no", "-name")  # filters and sort stay in the URL
    assert _walk(browser, "/admin/brokers/", {})[1].context["sorts"][0]["aria"] == "ascending"


def test_verifying_a_broker_returns_to_the_list_as_it_was(signed_in, people):
    admin = people["admin"].actor
    _broker(admin, 1, "Ramesh Adhikari")
    browser = signed_in("admin")
    shown = browser.get("/admin/brokers/", {"q": "ramesh"}).context["page"][0]

    done = browser.post("/admin/brokers/?q=ramesh&order=-name",
                        {"broker_id": shown.broker_id, "expected_version": shown.version, "verified": "on"})

    assert done.status_code == 302 and done["Location"] == "/admin/brokers/?q=ramesh&order=-name"
    assert [b.verified for b in browser.get(done["Location"]).context["page"]] == [True]


def test_the_brokers_list_makes_the_same_calls_with_few_or_many_brokers(signed_in, people, monkeypatch,
                                                                        dynamodb_calls):
    monkeypatch.setattr(admin_views, "BROKERS_PAGE", 5)
    admin = people["admin"].actor
    browser = signed_in("admin")
    browser.get("/admin/brokers/")

    def measured() -> list:
        _, first_calls = _counted(browser, dynamodb_calls, "/admin/brokers/", {"verified": "no", "q": "b"})
        _, last_calls = _counted(browser, dynamodb_calls, "/admin/brokers/",
                                 _query(_walk(browser, "/admin/brokers/", {"verified": "no"})[-2].context["pager"]["next"]))
        return [first_calls, last_calls]

    for n in range(4):
        _broker(admin, n, f"Bishal {n}")
    few = measured()
    for n in range(4, 40):
        _broker(admin, n, f"Bishal {n}", verified=n % 3 == 0)
    many = measured()

    # the session's GetItem, the directory's Query and the agencies' Query: 6 brokers or 42, any page
    assert few == many == [{"GetItem": 1, "Query": 2}] * 2


# ---- agencies --------------------------------------------------------------------------------------


def test_agencies_are_searched_filtered_by_licence_sorted_and_paged(signed_in, people, monkeypatch, dynamodb_calls):
    monkeypatch.setattr(agency_views, "AGENCIES_PAGE", 2)
    admin = people["admin"].actor  # the people fixture's agency: "Himal Realty Pvt Ltd", a year to run
    now = today(datetime.now(UTC))
    licensed_agency(admin=admin, name="Ēverest Properties", expires_on=now + timedelta(days=10))
    agency_create(actor=admin, name="Annapurna Homes", licence_number="DLM-ANNA-1",
                  licence_class=LicenceClass.COMPANY.value, licence_expires_on=now + timedelta(days=200),
                  evidence="certificate 2082-100")
    browser = signed_in("admin")
    browser.get("/admin/agencies/")  # the session's first page (it may save the session once)

    def names(asked: dict) -> list[str]:
        return [a.name for page in _walk(browser, "/admin/agencies/", asked) for a, _ in page.context["rows"]]

    first, first_calls = _counted(browser, dynamodb_calls, "/admin/agencies/", {})
    second, second_calls = _counted(browser, dynamodb_calls, "/admin/agencies/", _query(first.context["pager"]["next"]))

    assert [a.name for p in (first, second) for a, _ in p.context["rows"]] == [
        "Ēverest Properties", "Annapurna Homes", "Himal Realty Pvt Ltd"]  # the licence ending soonest first
    assert "1–2 of 3 agencies" in visible_text(first.content) and "3–3 of 3 agencies" in visible_text(second.content)
    assert names({"q": "everest"}) == names({"q": "ĒVEREST P"}) == ["Ēverest Properties"]
    assert names({"q": "dlm-anna"}) == ["Annapurna Homes"]
    assert names({"licence": "expiring"}) == ["Ēverest Properties"]
    assert names({"licence": "unverified"}) == ["Annapurna Homes"]
    assert names({"licence": "valid"}) == ["Himal Realty Pvt Ltd"]
    assert names({"order": "name"}) == ["Annapurna Homes", "Ēverest Properties", "Himal Realty Pvt Ltd"]
    assert names({"order": "-expiry"}) == ["Himal Realty Pvt Ltd", "Annapurna Homes", "Ēverest Properties"]
    assert _query(browser.get("/admin/agencies/", {"licence": "valid", "order": "name"}).context["sorts"][0]["href"]) \
        == {"licence": "valid", "order": "-name"}
    assert '<option value="" selected>any</option>' in first.content.decode()
    assert first_calls == second_calls == {"GetItem": 1, "Query": 1}  # the session, the agencies


def test_people_and_a_persons_groups_are_named_as_people_say_them(signed_in):
    # Given a person in two groups
    user_profile_sync(user_id="p-named", email="named@example.np", groups=["investors", "sellers"], name="Named One")
    browser = signed_in("admin")

    # When an admin lists people and opens the person
    listed = visible_text(browser.get("/admin/people/", {"q": "named"}).content)
    opened = visible_text(browser.get("/admin/people/p-named/").content)

    # Then the groups read as words, in the list, its filter and the person's groups form
    assert "Investors and Sellers" in listed and "investors and sellers" not in listed
    assert "any group" in listed and "Admins" in listed  # the filter's choices
    assert all(label in opened for label in ("Admins", "Brokers", "Sellers", "Buyers", "Investors"))
