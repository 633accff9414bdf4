"""Hostile CSV files through Calls → Import: encodings, columns, cells, sizes."""

from __future__ import annotations

import codecs
import io

from tests.hostile.checks import FORMULA, SCRIPT, exported_safely, shown_escaped
from tests.hostile.stage import OVER_LIMIT, raw, upload


def csv_file(*rows: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(rows) + "\n").encode(encoding)


HEADER = "started_at,caller_number,tracking_number,duration,status,city"
ROW = "2024-03-10T14:05:00Z,+15125550123,+15125550147,95,answered,"


IMPORT_CASES = [
    upload(
        "import-utf16", csv_file(HEADER, ROW, encoding="utf-16"), 400, "Line 1 is not UTF-8 text."
    ),
    upload(
        "import-latin1",
        csv_file(HEADER, ROW + "Montréal", encoding="latin-1"),
        400,
        "Line 2 is not UTF-8 text.",
    ),
    upload(
        "import-cp1252-bom",
        codecs.BOM_UTF16_LE + csv_file(HEADER),
        400,
        "Line 1 is not UTF-8 text.",
    ),
    upload("import-xlsx", b"PK\x03\x04" + b"\x00" * 200, 400, "spreadsheet workbook, not CSV"),
    upload("import-empty", b"", 400, "The file is empty."),
    upload("import-blank", b"\n\n", 400, "The file is empty."),
    upload("import-header-only", csv_file(HEADER), 400, "no calls below the header row"),
    upload(
        "import-missing-columns",
        csv_file("when,who", "2024-03-10,me"),
        400,
        "The header row has no started_at",
    ),
    upload(
        "import-duplicate-columns", csv_file(HEADER + ",city", ROW + ","), 400, "both hold city"
    ),
    upload(
        "import-nul-cell", csv_file(HEADER, ROW + "Aus\x00tin"), 400, "contains control characters"
    ),
    upload(
        "import-extra-cells",
        csv_file(HEADER, ROW + "Austin,extra"),
        400,
        "more cells than the header row",
    ),
    upload(
        "import-date-impossible",
        csv_file(HEADER, "2024-02-30 10:00," + ROW.split(",", 1)[1]),
        400,
        "is not a date and time",
    ),
    upload(
        "import-date-future",
        csv_file(HEADER, "2999-01-01T00:00:00Z," + ROW.split(",", 1)[1]),
        400,
        "is in the future",
    ),
    upload(
        "import-duration-negative",
        csv_file(HEADER, ROW.replace(",95,", ",-5,")),
        400,
        "cannot be negative",
    ),
    upload(
        "import-duration-huge",
        csv_file(HEADER, ROW.replace(",95,", ",99999999999,")),
        400,
        "longer than 24 hours",
    ),
    upload(
        "import-caller-junk",
        csv_file(HEADER, ROW.replace("+15125550123", "call me maybe")),
        400,
        "is not a phone number",
    ),
    upload(
        "import-status-junk",
        csv_file(HEADER, ROW.replace("answered", "exploded")),
        400,
        "must be one of",
    ),
    upload(
        "import-city-overlong", csv_file(HEADER, ROW + "c" * 101), 400, "longer than 100 characters"
    ),
    upload(
        "import-city-html",
        csv_file(HEADER, ROW + f'"{SCRIPT}"'),
        302,
        check=shown_escaped("/calls", SCRIPT),
    ),
    upload(
        "import-city-formula",
        csv_file(HEADER, ROW + '"' + FORMULA.replace('"', '""') + '"'),
        302,
        check=exported_safely(FORMULA),
    ),
    raw(
        "import-over-limit",
        "import",
        lambda s: s.client.post(
            "/calls/import",
            data={"csrf_token": s.token, "file": (io.BytesIO(OVER_LIMIT.encode()), "big.csv")},
            content_type="multipart/form-data",
        ),
        413,
        "That file is too large.",
    ),
    raw(
        "import-as-json",
        "import",
        lambda s: s.client.post(
            "/calls/import", json={"file": "x"}, headers={"X-CSRFToken": s.token}
        ),
        415,
        "Forms must be sent as form data",
    ),
    raw(
        "import-without-file",
        "import",
        lambda s: s.client.post(
            "/calls/import", data={"csrf_token": s.token, "form_workspace": s.workspace_field}
        ),
        400,
        "Choose a CSV file to import.",
    ),
]
