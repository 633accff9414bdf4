"""Many clients at once against gunicorn with 4 workers, on SQLite or PostgreSQL.

At the same time: 8 API clients × 250 reads, 2 people creating, using and revoking keys
through the HTML forms, and 2 Twilio senders posting signed voice and status webhooks.
No 5xx, no "database is locked", every call stored once, and every revoked key refused on
its very next requests, whichever worker answers them.
"""

from __future__ import annotations

from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import ApiKey, Call
from tests.live.clients import Browser, Tally, api_get, run_all, send_webhook
from tests.live.seeding import ADMIN_EMAIL, keys_in_text
from tests.support.secret_watch import keys_in_database
from tests.support.telephony_helpers import voice_params
from tests.support.web_client import PASSWORD

READERS, READS_EACH = 8, 250
KEY_PEOPLE, KEYS_EACH = 2, 8
SENDERS, CALLS_EACH = 2, 30
# After a revoke, this many requests: with 4 workers, they reach more than one of them.
CHECKS_AFTER_REVOKE = 6


def call_sid(sender: int, n: int) -> str:
    return f"CA{sender:02d}{n:030d}"


def test_readers_key_managers_and_webhooks_at_once(scene, start_server):
    # All clients share 127.0.0.1, and the workers share one count per address: the 96
    # refusals of revoked keys (401s) would pass the default failed-authentication limit.
    server = start_server(
        RINGTONIC_LOGIN_LIMIT_PER_IP="100 per minute",
        RINGTONIC_API_AUTH_FAILURE_LIMIT="1000 per minute",
    )
    tally = Tally()
    reads: list[int] = []
    issued: list[str] = []
    refusals: list[tuple[str, int, str]] = []  # (key end, status, code) after revoking

    def reader(secret: str):
        def read() -> None:
            for _ in range(READS_EACH):
                try:
                    reads.append(api_get(server, secret, tally).status_code)
                except OSError as error:
                    tally.failed(error)

        return read

    def key_manager(person: int):
        def manage() -> None:
            browser = Browser(server, tally)
            browser.sign_in(ADMIN_EMAIL, PASSWORD)
            for n in range(KEYS_EACH):
                name = f"Live {person}-{n}"
                status, secret = browser.create_key(name)
                assert status == 201 and secret
                issued.append(secret)
                assert api_get(server, secret, tally).status_code == 200
                assert browser.revoke_key(browser.key_uuid(name)) == 302
                for _ in range(CHECKS_AFTER_REVOKE):
                    answer = api_get(server, secret, tally)
                    refusals.append((secret[-4:], answer.status_code, answer.json().get("code")))

        return manage

    def sender(number: int):
        def send() -> None:
            for n in range(CALLS_EACH):
                sid = call_sid(number, n)
                assert send_webhook(server, scene.voice_path, voice_params(sid), tally) == 200
                done = voice_params(sid, CallStatus="completed", CallDuration=str(n + 1))
                assert send_webhook(server, scene.status_path, done, tally) == 200

        return send

    run_all(
        [reader(secret) for secret in scene.reader_keys]
        + [key_manager(person) for person in range(KEY_PEOPLE)]
        + [sender(number) for number in range(SENDERS)]
    )

    log = server.log()
    assert tally.errors == []
    assert tally.server_errors() == 0, tally.statuses
    assert reads == [200] * READERS * READS_EACH
    assert "database is locked" not in log
    assert "Traceback" not in log
    assert len(issued) == KEY_PEOPLE * KEYS_EACH
    assert len(refusals) == KEY_PEOPLE * KEYS_EACH * CHECKS_AFTER_REVOKE
    assert {(status, code) for _, status, code in refusals} == {(401, "revoked_api_key")}
    with scene.app.app_context():
        stored = dict(
            db.session.execute(
                select(Call.provider_call_id, func.count(Call.id)).group_by(Call.provider_call_id)
            ).all()
        )
        expected = {call_sid(s, n) for s in range(SENDERS) for n in range(CALLS_EACH)}
        assert set(stored) == expected and set(stored.values()) == {1}
        durations = dict(
            db.session.execute(select(Call.provider_call_id, Call.duration_seconds)).all()
        )
        assert all(
            durations[call_sid(s, n)] == n + 1 for s in range(SENDERS) for n in range(CALLS_EACH)
        )
        revoked = db.session.scalar(select(func.count()).where(ApiKey.revoked_at.is_not(None)))
        assert revoked == len(issued)
        # Keys made through the forms: nowhere but on their create page.
        assert keys_in_database(issued) == []
        db.engine.dispose()
    assert keys_in_text(log, issued) == []
