"""The API's contract holds against gunicorn started as production starts it, under a fuzzer.

Schemathesis reads /api/v1/openapi.json from the live server and sends valid and invalid
requests to every operation (examples, coverage, fuzzing and stateful phases), with a
read-only key and with a read-write key, running every check but positive-data acceptance
(the document allows some values the API refuses on meaning, e.g. a campaign id of another
workspace in a report filter). The seed is fixed, so CI runs the same requests every time.
"""

from __future__ import annotations

import re
import subprocess
import uuid

import pytest
from sqlalchemy import select

from ringtonic import create_app
from ringtonic.api.openapi_examples import EXAMPLES
from ringtonic.extensions import db
from ringtonic.models import Call
from ringtonic.services.accounts.accounts import create_account
from tests.live.seeding import live_app_config
from tests.live.servers import PROJECT_ROOT
from tests.support.keys import issue_key
from tests.support.report_data import build_report_data
from tests.support.web_client import PASSWORD

SCHEMATHESIS = PROJECT_ROOT / ".venv" / "bin" / "schemathesis"
EXAMPLES_PER_OPERATION = 100
SEED = 20261204
# Bounds the run on a busy machine; each key's run normally ends well before this.
RUN_TIMEOUT = 900


def _seed(url: str, instance) -> dict[str, str]:
    """Create a workspace with calls, campaigns and numbers; return its two keys."""
    app = create_app(live_app_config(url, instance))
    with app.app_context():

        def make_account(plan: str, company: str):
            account = create_account(company, "fuzz@example.com", PASSWORD, plan)
            db.session.commit()
            return account

        data = build_report_data(make_account)
        # The document's example ids name real objects, so the examples phase reaches them.
        next(iter(data.campaigns.values())).uuid = uuid.UUID(EXAMPLES["Campaign"]["uuid"])
        data.numbers[0].uuid = uuid.UUID(EXAMPLES["PhoneNumber"]["uuid"])
        first_call = db.session.scalars(
            select(Call).where(Call.workspace_id == data.workspace.id).order_by(Call.id).limit(1)
        ).one()
        first_call.uuid = uuid.UUID(EXAMPLES["Call"]["uuid"])
        db.session.commit()
        keys = {
            "read": issue_key(data.workspace, data.user, "read", name="Fuzz read"),
            "read_write": issue_key(data.workspace, data.user, "read_write", name="Fuzz write"),
        }
        db.session.remove()
        db.engine.dispose()
    return keys


def _fuzz(server, key: str, report_dir) -> subprocess.CompletedProcess:
    command = [
        str(SCHEMATHESIS),
        "run",
        server.url("/api/v1/openapi.json"),
        "--header",
        f"Authorization: Bearer {key}",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--seed",
        str(SEED),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--request-timeout",
        "60",
        # The response-time check stays on, with room for a busy 2-core CI machine.
        "--max-response-time",
        "30",
        "--suppress-health-check",
        "too_slow",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=report_dir
    )


@pytest.mark.parametrize("access", ["read", "read_write"])
def test_fuzzing_the_live_api_finds_no_failure(live_database, tmp_path, start_server, access):
    keys = _seed(live_database, tmp_path)
    server = start_server(
        # The fuzzer's requests are the test, not abuse: no quota may cut them short.
        RINGTONIC_API_RATE_LIMITS="1000000 per hour",
        RINGTONIC_API_AUTH_FAILURE_LIMIT="1000000 per minute",
    )
    result = _fuzz(server, keys[access], tmp_path)
    report = result.stdout[-20000:] + result.stderr[-5000:]
    assert result.returncode == 0, report
    # The read-only key's 403 on PATCH is the answer under test, which schemathesis only
    # warns about ("returned only 401/403"); failures are what count.
    cases = re.search(r"Test cases:\s*\n\s*(.*)", result.stdout)
    assert cases and "failed" not in cases.group(1) and "errored" not in cases.group(1), report
