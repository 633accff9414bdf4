"""The document only grows: what a stored snapshot documents is still there, with its type.

After an intended release, refresh the snapshot with RINGTONIC_REFRESH_OPENAPI_SNAPSHOT=1
.venv/bin/python -m pytest tests/api/test_api_contract_snapshot.py
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

from ringtonic.api.openapi import build_openapi
from tests.support.contract_diff import breaking_changes

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi-v1.json"


def test_nothing_the_stored_snapshot_documents_has_gone_or_changed_type():
    current = build_openapi()
    if os.environ.get("RINGTONIC_REFRESH_OPENAPI_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    stored = json.loads(SNAPSHOT.read_text())
    assert breaking_changes(stored, current) == []


def _document() -> dict:
    return copy.deepcopy(json.loads(SNAPSHOT.read_text()))


def test_additions_pass():
    before, after = _document(), _document()
    after["components"]["schemas"]["Call"]["properties"]["recording_url"] = {"type": "string"}
    after["paths"]["/webhooks"] = {"get": after["paths"]["/me"]["get"]}
    after["paths"]["/calls"]["get"]["parameters"].append(
        {"name": "tag", "in": "query", "required": False, "schema": {"type": "string"}}
    )
    assert breaking_changes(before, after) == []


def test_a_removed_field_fails():
    before, after = _document(), _document()
    del after["components"]["schemas"]["Call"]["properties"]["note"]
    found = breaking_changes(before, after)
    assert "schema Call.note: removed" in found
    assert "GET /calls/{call_uuid} 200 application/json.note: removed" in found


def test_a_field_whose_type_changed_fails():
    before, after = _document(), _document()
    after["components"]["schemas"]["Call"]["properties"]["duration_seconds"] = {"type": "string"}
    found = breaking_changes(before, after)
    assert "schema Call.duration_seconds: type changed" in found
    assert "GET /calls 200 application/json.data[].duration_seconds: type changed" in found


def test_removed_operations_parameters_and_new_required_parameters_fail():
    before, after = _document(), _document()
    del after["paths"]["/calls/{call_uuid}"]["patch"]
    after["paths"]["/calls"]["get"]["parameters"] = [
        p for p in after["paths"]["/calls"]["get"]["parameters"] if p["name"] != "state"
    ]
    after["paths"]["/campaigns"]["get"]["parameters"].append(
        {"name": "workspace", "in": "query", "required": True, "schema": {"type": "string"}}
    )
    assert sorted(breaking_changes(before, after)) == [
        "GET /calls: parameter state removed",
        "GET /campaigns: new required parameter workspace",
        "PATCH /calls/{call_uuid}: operation removed",
    ]
