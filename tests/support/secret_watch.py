"""A pytest plugin that watches every API key the app issues during the test session.

An issued key may appear in exactly one place: the page that answers its create POST.
After each test this checks that none of the test's keys is in any text column of any
table, that no response other than a create page carried any key, and that every
response with account data (signed-in pages, /api/v1) said `Cache-Control: no-store`
(or `private, no-cache`: an API answer a poller may keep and revalidate, never a shared cache).
Every log record of the session goes to one file, checked after each test and at the end.
"""

from __future__ import annotations

import gzip
import logging
import re
import shutil
import tempfile
from pathlib import Path

import brotli
import pytest
from backports import zstd
from flask import g, request, request_finished, session
from sqlalchemy import JSON, String, Text, select

from ringtonic.extensions import db
from ringtonic.services.keys import api_keys
from tests.support.api_routes import PUBLIC_API_PATHS

# The one page allowed to show a key: the answer to the create form.
CREATE_ENDPOINT, CREATE_STATUS = "settings.api_keys_create", 201
KEY_BODY_START = len(api_keys.KEY_PREFIX)

issued: dict[str, str] = {}  # every key of the session, by its body (the part after the prefix)
issued_in_test: list[str] = []
leaks: list[str] = []
_log_dir = Path(tempfile.mkdtemp(prefix="ringtonic-test-logs-"))
LOG_FILE = _log_dir / "session.log"
# Where a key's body could hide: any run of base62 characters at least that long.
_CANDIDATE_RE = re.compile(f"[0-9A-Za-z]{{{api_keys.KEY_LENGTH - KEY_BODY_START},}}")
_BODY_LENGTH = api_keys.KEY_LENGTH - KEY_BODY_START


class WatchedNewApiKey(api_keys.NewApiKey):
    """What create_api_key returns, noting the secret on the way (every issued key)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        issued[self.secret[KEY_BODY_START:]] = self.secret
        issued_in_test.append(self.secret)


def _secrets_in(text: str, bodies: dict[str, str]) -> list[str]:
    """Return the hints of the keys in `bodies` found in `text`, prefix or not."""
    found = set()
    for run in _CANDIDATE_RE.findall(text):
        for start in range(len(run) - _BODY_LENGTH + 1):
            secret = bodies.get(run[start : start + _BODY_LENGTH])
            if secret:
                found.add(api_keys.key_hint(secret))
    return sorted(found)


def _carries_account_data() -> bool:
    if request.endpoint == "static" or request.path in PUBLIC_API_PATHS:
        return False
    user = g.get("_login_user")  # only set when the request looked at who is signed in
    return request.path.startswith("/api/v1/") or bool(user and user.is_authenticated)


def _decoded_body(response) -> str:
    """Return the body as text, decompressed when the API compressed it."""
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding == "br":
        body = brotli.decompress(body)
    elif encoding == "zstd":
        body = zstd.decompress(body)
    elif encoding is not None:
        raise AssertionError(f"unexpected Content-Encoding {encoding!r}")
    return body.decode("utf-8", "replace")


def _kept_from_shared_caches(response) -> bool:
    directives = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
    return "no-store" in directives or {"private", "no-cache"} <= directives


def inspect_response(sender, response, **_) -> None:
    """Note any key in a response (body, headers, session), and account data not no-store."""
    where = f"{request.method} {request.full_path.rstrip('?')} ({response.status_code})"
    if _carries_account_data() and not _kept_from_shared_caches(response):
        leaks.append(f"{where}: account data without Cache-Control: no-store")
    if not issued:
        return
    # The session is a signed (readable, compressed) cookie: look at what goes into it.
    in_session = _secrets_in(repr(dict(session)) + repr(list(response.headers)), issued)
    if in_session:
        leaks.append(f"{where}: API key {in_session} in the session or a header")
    allowed = request.endpoint == CREATE_ENDPOINT and response.status_code == CREATE_STATUS
    if response.is_streamed or allowed:
        return
    found = _secrets_in(_decoded_body(response), issued)
    if found:
        leaks.append(f"{where}: shows API key {found}")


def keys_in_database(secrets: list[str]) -> list[str]:
    """Return "table.column" for every text column holding one of the keys."""
    found = []
    bodies = {secret[KEY_BODY_START:]: secret for secret in secrets}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text | JSON):
                    continue
                for (value,) in conn.execute(select(column).where(column.is_not(None))):
                    if _secrets_in(str(value), bodies):
                        found.append(f"{table.name}.{column.name}")
                        break
    return found


def keys_in_log(offset: int = 0) -> list[str]:
    """Return the hints of session keys that appear in the session log after `offset`."""
    with LOG_FILE.open(encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        return _secrets_in(log.read(), issued)


def pytest_configure(config) -> None:
    # create_api_key builds its result by this module-level name: every issued key passes.
    api_keys.NewApiKey = WatchedNewApiKey
    request_finished.connect(inspect_response)
    handler = logging.FileHandler(LOG_FILE, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)


@pytest.fixture(autouse=True)
def no_key_leaks(request):
    """Fail the test if a key it issued leaked into the database, a response or the log."""
    app = request.getfixturevalue("app") if "app" in request.fixturenames else None
    issued_in_test.clear()
    leaks.clear()
    offset = LOG_FILE.stat().st_size
    yield
    problems = list(leaks)
    if app is not None and issued_in_test:
        with app.app_context():
            problems += [f"API key stored in {place}" for place in keys_in_database(issued_in_test)]
    problems += [f"API key {hint} written to the log" for hint in keys_in_log(offset)]
    assert not problems, "\n".join(problems)


def pytest_sessionfinish(session, exitstatus) -> None:
    """Check the whole session log once more (late writers), then drop it if clean."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    leaked = keys_in_log()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if leaked:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            reporter.write_sep("!", f"API keys {leaked} appear in the session log {LOG_FILE}")
        return
    if reporter:
        reporter.write_sep("-", f"secret watch: {len(issued)} issued API keys, none leaked")
    shutil.rmtree(_log_dir, ignore_errors=True)
