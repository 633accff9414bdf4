"""How /api/v1 changes: the policy, the changelog, and deprecations announced before removal.

A deprecation is declared here once. The OpenAPI document then marks the operation or
field `deprecated: true`, /docs/api lists it, and every answer of an affected operation
carries `Deprecation` (RFC 9745), `Link: <…>; rel="deprecation"` and, once a removal date
is set, `Sunset` (RFC 8594).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.utils import format_datetime
from typing import Any, cast

from flask import Response

from ringtonic.urls import absolute_url_for

API_VERSION = "1.1.0"

POLICY = (
    "Within v1, answers only grow: new fields, new operations, new query parameters that are "
    "optional, new values of enums (a call status, a problem code), new headers. Clients must "
    "ignore fields and headers they do not know and treat an unknown enum value like an "
    "unknown one, not as an error.",
    "Never within v1: a documented field, parameter, operation or header removed or renamed, "
    "a field's type changed, an optional parameter made required, or an error answered with "
    "another status or code.",
    "A field or operation that is to go is first marked `deprecated: true` in the document and "
    "announced on every answer that carries it with a `Deprecation` header (RFC 9745, the "
    'date it was deprecated), a `Link` to this page with `rel="deprecation"`, and, once a '
    "removal date is set, a `Sunset` header (RFC 8594). It is removed only in a new major "
    "version, at /api/v2, served beside v1 for at least six months.",
)


@dataclass(frozen=True)
class Change:
    """One version of the API and what it changed."""

    version: str
    released: date
    changes: tuple[str, ...]


CHANGELOG: tuple[Change, ...] = (
    Change(
        "1.1.0",
        date(2026, 12, 4),
        (
            "Conditional requests: GET on a call, campaign or tracking number and on their "
            "lists answers with a weak `ETag` and `Cache-Control: private, no-cache`; send it "
            "back as `If-None-Match` to get `304 Not Modified`, which does not count against "
            "the key's quota.",
            "An empty or blank query value (`cursor=`, `time_zone=`) answers 400 "
            "`validation_error` naming the parameter, as the document always said; leave the "
            "parameter out instead. Ids in filters must be spelled 8-4-4-4-12.",
            "A declared body over 64 KiB answers 413 `payload_too_large` on every operation.",
            "Documented: 405 with `Allow`, the `Link` header of lists, and the HTTP server's own "
            "414, 431 and 400 answers (`text/html`).",
            "Website tracking: a call to a number the website tracker showed a visitor carries "
            "`visitor_session` (source, medium, landing page, UTM tags, click ids, GA ids), "
            "null for other calls; the calls list filters by `source` and `medium`.",
            "Summary, time-series and geo-data reports count website visits beside the calls: "
            "`visits`, `visitors`, `calls_from_visits` and `calls_per_visit`; they answer "
            "conditional requests as the resources do.",
            "Webhooks: signed `call.*` events sent to the workspace's endpoints (the document's "
            "`webhooks` section).",
        ),
    ),
    Change(
        "1.0.0",
        date(2026, 11, 27),
        (
            "Campaigns, tracking numbers and calls (JSON pages or CSV), CRM write-back, geo-data, "
            "summary and time-series reports.",
        ),
    ),
)


@dataclass(frozen=True)
class Deprecation:
    """An operation (`operation_id`) or a schema field (`schema`, `field`) that is to go."""

    since: date
    note: str
    operation_id: str | None = None
    schema: str | None = None
    field: str | None = None
    sunset: date | None = None


# Nothing in v1 is deprecated yet; entries go here, never straight into the document.
DEPRECATIONS: tuple[Deprecation, ...] = ()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def mark_deprecations(
    document: dict[str, Any], deprecations: Iterable[Deprecation] | None = None
) -> dict[str, Any]:
    """Mark deprecated operations and schema fields in the OpenAPI `document` (in place)."""
    for entry in DEPRECATIONS if deprecations is None else deprecations:
        if entry.operation_id:
            target = _operation(document, entry.operation_id)
        else:
            target = document["components"]["schemas"][entry.schema]["properties"][entry.field]
        target["deprecated"] = True
        note = f"Deprecated since {entry.since.isoformat()}: {entry.note}"
        if entry.sunset:
            note += f" Removed after {entry.sunset.isoformat()}."
        target["description"] = f"{target.get('description', '')} {note}".strip()
    return document


def _operation(document: dict[str, Any], operation_id: str) -> dict[str, Any]:
    for item in document["paths"].values():
        for operation in item.values():
            if operation.get("operationId") == operation_id:
                return cast(dict[str, Any], operation)
    raise LookupError(f"no operation {operation_id!r} to deprecate")


def _refs(node: object) -> set[str]:
    """Return the schema names `node` refers to, directly or through other schemas."""
    found: set[str] = set()
    pending: list[object] = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            target = item.get("$ref", "")
            if target.startswith("#/components/schemas/"):
                found.add(target.rsplit("/", 1)[1])
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return found


def deprecations_by_operation(
    document: dict[str, Any], deprecations: Iterable[Deprecation] | None = None
) -> dict[str, Deprecation]:
    """Return, per operationId, the earliest deprecation its answers are affected by."""
    entries = DEPRECATIONS if deprecations is None else deprecations
    schemas = document["components"]["schemas"]
    affected: dict[str, Deprecation] = {}
    for item in document["paths"].values():
        for operation in item.values():
            reached = _refs(operation.get("responses", {}).get("200", {}))
            # Follow references between schemas until nothing new is reached.
            pending = list(reached)
            while pending:
                for name in _refs(schemas.get(pending.pop(), {})) - reached:
                    reached.add(name)
                    pending.append(name)
            for entry in entries:
                hit = entry.operation_id == operation["operationId"] or (
                    entry.schema in reached and entry.field is not None
                )
                current = affected.get(operation["operationId"])
                if hit and (current is None or entry.since < current.since):
                    affected[operation["operationId"]] = entry
    return affected


def announce_deprecation(response: Response, entry: Deprecation) -> Response:
    """Add the Deprecation, Link and Sunset headers for `entry` to an answer."""
    response.headers["Deprecation"] = f"@{int(_midnight(entry.since).timestamp())}"
    docs = absolute_url_for("docs.api") + "#versioning"
    response.headers.add("Link", f'<{docs}>; rel="deprecation"; type="text/html"')
    if entry.sunset:
        response.headers["Sunset"] = format_datetime(_midnight(entry.sunset), usegmt=True)
    return response
