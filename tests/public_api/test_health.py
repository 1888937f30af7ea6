"""``/health``: unauthenticated, one cheap read of the table; 503 with Retry-After while it does not answer."""

from __future__ import annotations

from tests.public_api.conftest import get


def test_health_answers_without_a_token_and_names_what_it_checked(api):
    response = get(api, "/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"table": "ok"}}


def test_health_is_a_503_naming_the_table_while_it_does_not_answer(api, table_outage):
    # Given the table stops answering
    table_outage.active = True

    # When a monitor asks
    response = get(api, "/health")

    # Then it says which dependency is down and when to ask again
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json() == {"status": "unavailable", "checks": {"table": "unavailable"}}
