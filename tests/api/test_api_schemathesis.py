"""Every documented operation the app serves, fuzzed with a valid key, answers as documented."""

from __future__ import annotations

import re
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from ringtonic.api import reports as api_reports
from ringtonic.api.openapi import build_openapi
from ringtonic.api.openapi_examples import EXAMPLES
from ringtonic.extensions import db
from ringtonic.models import Call
from ringtonic.services.keys.api_keys import create_api_key
from tests.support.keys import bearer
from tests.support.report_data import NOW, build_report_data

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    ignored_auth,
    missing_required_header,
    unsupported_method,
]
# Ids the fixture gives some of its objects, so generated paths can name objects that exist.
# The first of each is the document's example id, which schemathesis's example and coverage
# phases send, so those phases reach real objects too.
REAL_IDS = {
    "campaign_uuid": (
        EXAMPLES["Campaign"]["uuid"],
        "5a1f0c3e-0000-4000-8000-000000000002",
        "5a1f0c3e-0000-4000-8000-000000000003",
    ),
    "call_uuid": (EXAMPLES["Call"]["uuid"], "5a1f0c3e-0000-4000-8000-000000000012"),
    "phone_number_uuid": (
        EXAMPLES["PhoneNumber"]["uuid"],
        "5a1f0c3e-0000-4000-8000-000000000022",
    ),
}

schema = schemathesis.openapi.from_dict(build_openapi())


# Query filters that name objects, and which of the ids above they take.
REAL_FILTER_IDS = {"campaign": "campaign_uuid", "tracking_number": "phone_number_uuid"}


def _sometimes_real(values: dict | None, ids_for: dict[str, str]):
    """Draw `values` as generated, or with the id-holding ones replaced by real ids."""
    real = {n: st.sampled_from(REAL_IDS[ids_for[n]]) for n in values or () if n in ids_for}
    if not real:
        return st.just(values)
    generated = {name: st.just(value) for name, value in values.items()}
    # Hypothesis favours the first branch, and most generated ids name nothing.
    return st.one_of(st.fixed_dictionaries({**generated, **real}), st.just(values))


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Aim generated paths at objects that exist too, so success answers get checked."""
    return _sometimes_real(path_parameters, {name: name for name in REAL_IDS})


@schema.hook
def flatmap_query(context, query):
    """Filter by campaigns and numbers that exist too, so filtered answers get checked."""
    return _sometimes_real(query, REAL_FILTER_IDS)


@pytest.fixture
def app_config(app_config):
    """Lift the per-IP limit on failed authentication: ignored_auth probes fail on purpose."""
    app_config["RINGTONIC_API_AUTH_FAILURE_LIMIT"] = "100000 per minute"
    return app_config


@pytest.fixture
def contract_data(app, make_account, monkeypatch):
    """A workspace with calls across states and zips, three campaigns, and a read-write key."""
    monkeypatch.setattr(api_reports, "clock", lambda: NOW)
    data = build_report_data(make_account)
    for campaign, wanted in zip(data.campaigns.values(), REAL_IDS["campaign_uuid"], strict=True):
        campaign.uuid = uuid.UUID(wanted)
    for number, wanted in zip(data.numbers, REAL_IDS["phone_number_uuid"], strict=False):
        number.uuid = uuid.UUID(wanted)
    calls = db.session.scalars(
        select(Call).where(Call.workspace_id == data.workspace.id).order_by(Call.id).limit(2)
    )
    for call, wanted in zip(calls, REAL_IDS["call_uuid"], strict=True):
        call.uuid = uuid.UUID(wanted)
    secret = create_api_key(data.workspace, data.user, "Contract test", "read_write").secret
    db.session.commit()
    return secret


def served_by(app, method: str, path: str) -> bool:
    """Say whether the app routes this documented method and path (a later build may add it)."""
    concrete = "/api/v1" + re.sub(r"\{[^}]+\}", str(uuid.UUID(int=0)), path)
    try:
        app.url_map.bind("localhost").match(concrete, method=method.upper())
    except (NotFound, MethodNotAllowed):
        return False
    return True


@schema.parametrize()
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_served_operation_answers_as_documented(case, app, contract_data):
    operation = case.operation
    assert served_by(app, operation.method, operation.path), (
        f"{operation.label} is documented but the app does not serve it"
    )
    # Checks such as ignored_auth send probes of their own; they must reach this test's app.
    operation.schema.app = app
    # Schemathesis asks for gzip, but its in-process (WSGI) calls do not decode what the app
    # compresses, as HTTP clients do; compression has tests of its own.
    headers = {**bearer(contract_data), "Accept-Encoding": "identity"}
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)
