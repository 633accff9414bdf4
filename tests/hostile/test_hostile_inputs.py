"""The hostile input catalogue, case by case: a 4xx with a clear message and nothing stored,
or (odd but valid input) stored and shown escaped. See tests/hostile/catalogue.py."""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from tests.hostile.catalogue import CASES
from tests.hostile.stage import MAX_BODY_BYTES, Case, build_stage, page_shows
from tests.support.db_snapshot import changed_tables, snapshot


@pytest.fixture
def app_config(app_config):
    app_config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # The sign-in cases post to /login far more often than its limit allows.
    app_config["RATELIMIT_ENABLED"] = False
    # The register cases sign up beside the stage's account.
    app_config["RINGTONIC_OPEN_REGISTRATION"] = True
    return app_config


def test_the_catalogue_covers_every_channel_with_at_least_sixty_cases():
    channels = Counter(case.channel for case in CASES)
    assert len(CASES) >= 60
    assert set(channels) == {"form", "api", "webhook", "import"}
    assert len({case.id for case in CASES}) == len(CASES), "case ids must be unique"
    refused = [case for case in CASES if not case.accepted]
    assert all(400 <= case.status < 500 or case.logs or case.redirected for case in refused)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hostile_input_gets_a_clear_answer_and_changes_nothing_it_should_not(
    app, case: Case, caplog
):
    stage = build_stage(app)
    before = snapshot()
    with caplog.at_level(logging.WARNING):
        response = case.send(stage)
    body = response.get_data(as_text=True)
    assert response.status_code == case.status, body[:1000]
    assert "Traceback" not in body
    if case.channel == "api" and not case.accepted:
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["code"] == case.shows
    elif case.shows:
        assert page_shows(response, case.shows), body[:3000]
    if case.logs:
        assert case.logs in caplog.text
    if case.accepted:
        case.check(stage, response)
    else:
        assert changed_tables(before, snapshot()) == []
