"""Writing calls as CSV that spreadsheets open safely."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row

from ringtonic.services.calls.import_fields import FORMULA_PREFIXES

# The import's column names, so an exported file can be imported into another workspace.
HEADER = (
    "started_at",
    "caller_number",
    "tracking_number",
    "duration",
    "status",
    "first_call",
    "campaign",
    "source",
    "medium",
    "city",
    "state",
    "zip",
    "country",
    "external_id",
    "ringtonic_id",
)
ROWS_PER_CHUNK = 200


def safe_cell(value: object) -> str:
    """Return the cell as text, with a leading apostrophe if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _iso_in_zone(moment: datetime, zone: ZoneInfo) -> str:
    text = moment.astimezone(zone).isoformat(timespec="seconds")
    # UTC times end in Z, as everywhere else in the API; the import reads either form.
    return text.removesuffix("+00:00") + "Z" if zone.key == "UTC" else text


def _cells(row: Row, zone: ZoneInfo) -> list[str]:
    values = (
        _iso_in_zone(row.started_at, zone),
        row.caller_number,
        row.tracking_number,
        row.duration_seconds,
        row.status,
        "yes" if row.first_call else "no",
        row.campaign,
        row.source,
        row.medium,
        row.caller_city,
        row.caller_state,
        row.caller_zip,
        row.caller_country,
        row.external_id,
        row.uuid,
    )
    return [safe_cell(value) for value in values]


def export_chunks(rows: Iterable[Row], zone: ZoneInfo) -> Iterator[str]:
    """Yield the CSV text a few hundred rows at a time, with times shown in `zone`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # The byte order mark tells spreadsheet apps the file is UTF-8; the import accepts it.
    buffer.write("\ufeff")
    writer.writerow(HEADER)
    for count, row in enumerate(rows, start=1):
        writer.writerow(_cells(row, zone))
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
