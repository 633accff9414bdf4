"""Writing calls as CSV: for spreadsheets (the web download) or for programs (the API).

Both hold the same columns, which the import reads back. A spreadsheet runs a cell that starts
with = + - @ tab or carriage return as a formula (OWASP "CSV injection"), so:

- for spreadsheets, every such cell gets a leading apostrophe (phone numbers too, which
  spreadsheets would otherwise turn into numbers), and the file starts with a UTF-8 byte order
  mark so spreadsheet apps read it as UTF-8;
- for programs, there is no byte order mark and only cells that could be a formula get the
  apostrophe: a cell that is entirely a number, such as +15125550123 or -4.5, is written as is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row

from ringtonic.services.calls.import_fields import FORMULA_PREFIXES, VISIT_COLUMNS

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
    "provider_call_id",
    "ringtonic_id",
    *(f"visit_{name}" for name in VISIT_COLUMNS),
)
ROWS_PER_CHUNK = 200
# An E.164 number or a plain signed number: a spreadsheet reads it as a value, never runs it.
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def spreadsheet_cell(value: object) -> str:
    """Return the cell as text, with a leading apostrophe if it starts like a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def program_cell(value: object) -> str:
    """Return the cell as text, with a leading apostrophe only if it could be a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _iso_in_zone(moment: datetime, zone: ZoneInfo) -> str:
    text = moment.astimezone(zone).isoformat(timespec="seconds")
    # UTC times end in Z, as everywhere else in the API; the import reads either form.
    return text.removesuffix("+00:00") + "Z" if zone.key == "UTC" else text


def _cells(row: Row[*tuple[Any, ...]], zone: ZoneInfo, cell: Callable[[object], str]) -> list[str]:
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
        row.provider_call_id,
        row.uuid,
        *(getattr(row, f"visit_{name}") for name in VISIT_COLUMNS),
    )
    return [cell(value) for value in values]


def export_chunks(rows: Iterable[Any], zone: ZoneInfo, *, for_spreadsheets: bool) -> Iterator[str]:
    """Yield the CSV text a few hundred rows at a time, with times shown in `zone`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    cell = spreadsheet_cell if for_spreadsheets else program_cell
    if for_spreadsheets:
        # The byte order mark tells spreadsheet apps the file is UTF-8; the import accepts it.
        buffer.write("\ufeff")
    writer.writerow(HEADER)
    for count, row in enumerate(rows, start=1):
        writer.writerow(_cells(row, zone, cell))
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
