"""A TOTP time step completes one sign-in of a person, and never one after a newer step did. Cognito
keeps the secret, so a code's step is known only within the verifier's clock-skew window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.services.sign_in_limits import TOTP_STEP_SECONDS, totp_step_claim

START = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)  # the start of a time step
STEP = timedelta(seconds=TOTP_STEP_SECONDS)


def test_with_no_skew_the_same_step_is_refused_and_the_next_is_accepted(table):
    assert totp_step_claim(user_id="u1", now=START, skew_steps=0)
    assert not totp_step_claim(user_id="u1", now=START + STEP - timedelta(seconds=1), skew_steps=0)
    assert totp_step_claim(user_id="u1", now=START + STEP, skew_steps=0)


@pytest.mark.parametrize(("steps_later", "accepted"), [(0, False), (1, False), (2, False), (3, True)])
def test_with_one_step_of_skew_a_code_that_could_be_as_old_as_the_last_is_refused(table, steps_later, accepted):
    # Given a sign-in whose code could have been of the step before, of, or after START's
    assert totp_step_claim(user_id="u1", now=START, skew_steps=1)

    # When another code is accepted by Cognito later: it could be one step older than that moment
    again = totp_step_claim(user_id="u1", now=START + steps_later * STEP, skew_steps=1)

    # Then only one whose every possible step is newer than every possible step of the first completes
    assert again is accepted


def test_an_older_moment_after_a_newer_one_is_refused_and_people_are_apart(table):
    assert totp_step_claim(user_id="u1", now=START + 5 * STEP, skew_steps=0)

    assert not totp_step_claim(user_id="u1", now=START + 4 * STEP, skew_steps=0)
    assert totp_step_claim(user_id="u2", now=START + 4 * STEP, skew_steps=0)
