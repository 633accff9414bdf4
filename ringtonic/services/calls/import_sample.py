"""A sample calls file for Calls → Import: each format the import reads, in a file it accepts."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import PhoneNumber, Workspace
from ringtonic.services.calls.export import spreadsheet_cell

EXAMPLE_TRACKING_NUMBER = "+15125550100"
SAMPLE_HEADER = (
    "started_at",
    "caller_number",
    "tracking_number",
    "duration",
    "status",
    "city",
    "state",
    "zip",
    "source",
    "medium",
    "external_id",
)
# Fixed past dates, so the file never holds a call "in the future"; one date format per row.
SAMPLE_ROWS = (
    ("2024-03-11T14:05:00Z", "(512) 555-0147", "95", "answered", "Austin", "TX", "78701", "", ""),
    (
        "03/12/2024 2:05 PM",
        "+15125550148",
        "1:35",
        "completed",
        "Round Rock",
        "TX",
        "78664",
        "google",
        "organic",
    ),
    ("2024-03-13 09:30", "anonymous", "0", "no-answer", "", "", "", "", ""),
    (
        "2024-03-14T16:45:00-05:00",
        "(512) 555-0149",
        "0:42",
        "voicemail",
        "Cedar Park",
        "TX",
        "78613",
        "",
        "",
    ),
)


def sample_import_csv(workspace: Workspace) -> str:
    """Return the sample file, its calls made to the workspace's first tracking number."""
    tracking = db.session.scalar(
        select(PhoneNumber.number)
        .where(PhoneNumber.workspace_id == workspace.id)
        .order_by(PhoneNumber.created_at, PhoneNumber.id)
        .limit(1)
    )
    buffer = io.StringIO()
    # Opened in a spreadsheet more often than not: byte order mark and protected cells.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(SAMPLE_HEADER)
    for number, (started, caller, *rest) in enumerate(SAMPLE_ROWS, start=1):
        cells = (started, caller, tracking or EXAMPLE_TRACKING_NUMBER, *rest, f"sample-{number}")
        writer.writerow([spreadsheet_cell(cell) for cell in cells])
    return buffer.getvalue()
