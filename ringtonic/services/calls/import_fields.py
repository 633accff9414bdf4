"""The columns a calls CSV may have, and how each cell is read and checked."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from ringtonic.models import CALL_STATUSES
from ringtonic.services.calls.ingest import TWILIO_OUTCOMES
from ringtonic.services.errors import ValidationError
from ringtonic.services.telephony.phones import (
    caller_number_or_blank,
    is_withheld_caller,
    parse_phone_number,
)

MAX_DURATION_SECONDS = 24 * 60 * 60
# Words other systems use for our statuses; Twilio's mean what they mean in its webhooks.
STATUS_ALIASES = {
    **TWILIO_OUTCOMES,
    "completed": "answered",
    "noanswer": "missed",
    "cancelled": "missed",
}
# Characters a spreadsheet reads as the start of a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class CellError(Exception):
    """A cell's value is unacceptable; the message follows the column's name ("is required")."""


@dataclass(frozen=True)
class ImportColumn:
    """One documented column: its name, the other headers accepted for it, what it holds."""

    name: str
    aliases: tuple[str, ...]
    required: bool
    description: str


COLUMNS = (
    ImportColumn(
        "started_at",
        ("start_time", "started", "call_start", "start", "datetime", "date_time", "timestamp"),
        True,
        "When the call began: ISO 8601 (2026-12-02T14:05:00Z, 2026-12-02T14:05:00-06:00, "
        "2026-12-02 14:05) or month/day/year as in the US (12/02/2026 2:05 PM, "
        "12/02/2026 14:05). A time without an offset is read in the workspace's time zone.",
    ),
    ImportColumn(
        "caller_number",
        ("caller", "from", "caller_id", "from_number", "caller_phone"),
        True,
        "Who called: +15125550147 or (512) 555-0147. Blank, “anonymous”, “restricted”, "
        "“private” or a Twilio placeholder such as +266696687 for a withheld number.",
    ),
    ImportColumn(
        "tracking_number",
        ("tracking", "to", "called", "called_number", "to_number", "tracking_phone"),
        True,
        "The tracking number that was called. When it is one of this workspace's numbers the "
        "call is linked to that number and its campaign; otherwise only the number is kept.",
    ),
    ImportColumn(
        "duration",
        ("duration_seconds", "call_duration", "length", "talk_time"),
        False,
        "Seconds (95), minutes:seconds (1:35) or hours:minutes:seconds. Blank means 0.",
    ),
    ImportColumn(
        "status",
        ("call_status", "disposition"),
        True,
        "answered, missed, busy, failed, voicemail, ringing or in-progress. Also accepted: "
        "completed (answered), no-answer and canceled (missed).",
    ),
    ImportColumn("city", ("caller_city",), False, "The caller's city."),
    ImportColumn("state", ("caller_state", "region", "province"), False, "The caller's state."),
    ImportColumn(
        "zip", ("caller_zip", "zip_code", "postal_code", "postcode"), False, "The caller's ZIP."
    ),
    ImportColumn(
        "country",
        ("caller_country", "country_code"),
        False,
        "Two-letter country code of the caller, such as US.",
    ),
    ImportColumn(
        "source",
        ("utm_source", "lead_source"),
        False,
        "Where the caller found the number (google, gbp, ...). Blank: the tracking number's.",
    ),
    ImportColumn(
        "medium",
        ("utm_medium",),
        False,
        "The kind of traffic (organic, cpc, ...). Blank: the tracking number's.",
    ),
    ImportColumn(
        "external_id",
        ("call_id", "call_sid", "sid", "unique_id"),
        False,
        "The call's id in the system it came from; a call whose id was imported before is "
        "skipped. Without it, an id is derived from the time, both numbers, duration, status "
        "and how many identical rows came before it in the file.",
    ),
    ImportColumn(
        "provider_call_id",
        ("twilio_call_sid",),
        False,
        "The call's id at the phone provider (Twilio's CallSid), as Ring Tonic exports it. "
        "A call with an id already in this workspace is skipped; the id is kept on new calls.",
    ),
    ImportColumn(
        "ringtonic_id",
        ("ring_tonic_id",),
        False,
        "The call's Ring Tonic ID, as Ring Tonic exports it. A call that is already in this "
        "workspace is skipped; in another workspace the call is added with an ID of its own.",
    ),
)
TEXT_LIMITS = {"city": 100, "state": 50, "zip": 20, "source": 100, "medium": 100}
EXTERNAL_ID_LIMIT = 100
PROVIDER_CALL_ID_LIMIT = 64


def normalize_header(name: str) -> str:
    """Return a header in comparable form: lower case, words joined by underscores."""
    return re.sub(r"[\s\-.]+", "_", name.strip().lower()).strip("_")


_BY_HEADER = {
    normalize_header(alias): column.name
    for column in COLUMNS
    for alias in (column.name, *column.aliases)
}


# The website visit a call came from, as exports write it (visit_<name>): read back as
# nothing (an import stores calls, not visits), and not reported as ignored either.
VISIT_COLUMNS = (
    "landing_page",
    "referrer",
    "keyword",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "gclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "fbclid",
    "ttclid",
    "li_fat_id",
    "ga_client_id",
)

_VISIT_HEADERS = frozenset(f"visit_{name}" for name in VISIT_COLUMNS)


def map_columns(header: list[str]) -> tuple[dict[str, tuple[int, str]], list[str]]:
    """Return {column: (position, header as written)} and the headers that were ignored."""
    found: dict[str, tuple[int, str]] = {}
    ignored = []
    for position, written in enumerate(header):
        name = _BY_HEADER.get(normalize_header(written))
        if name is None:
            if written.strip() and normalize_header(written) not in _VISIT_HEADERS:
                ignored.append(written.strip())
            continue
        if name in found:
            raise ValidationError(
                f"The columns “{found[name][1]}” and “{written}” both hold {name}; keep only one.",
                "file",
            )
        found[name] = (position, written.strip())
    missing = [column.name for column in COLUMNS if column.required and column.name not in found]
    if missing:
        raise ValidationError(
            f"The header row has no {', '.join(missing)} column. The first row must name the "
            "columns; see the list of accepted names.",
            "file",
        )
    return found, ignored


def unquote_formula(text: str) -> str:
    """Drop the apostrophe exports put before formula-like cells (see FORMULA_PREFIXES)."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        return text[1:]
    return text


def parse_caller(text: str) -> str:
    """Return the caller's number in E.164, or "" when it was withheld."""
    if is_withheld_caller(text):
        return ""
    number = caller_number_or_blank(text)
    if not number:
        raise CellError("is not a phone number (leave it blank for a withheld number)")
    return number


def parse_tracking(text: str) -> str:
    """Return the tracking number in E.164."""
    try:
        return parse_phone_number(text, "tracking_number")
    except ValidationError as error:
        raise CellError(f"is not usable: {error.message}") from None


def parse_duration(text: str) -> int:
    """Return whole seconds from "95", "1:35" or "1:01:35"."""
    if not text:
        return 0
    if text.startswith("-"):
        raise CellError("cannot be negative")
    parts = text.split(":")
    if len(parts) > 3 or not all(part.isdigit() and part.isascii() for part in parts):
        raise CellError("must be seconds (95), minutes:seconds (1:35) or h:mm:ss")
    numbers = [int(part) for part in parts]
    if any(n >= 60 for n in numbers[1:]):
        raise CellError("has minutes or seconds of 60 or more")
    seconds = 0
    for n in numbers:
        seconds = seconds * 60 + n
    if seconds > MAX_DURATION_SECONDS:
        raise CellError("is longer than 24 hours")
    return seconds


def parse_status(text: str) -> str:
    """Return one of CALL_STATUSES, translating other systems' words."""
    word = re.sub(r"[\s_]+", "-", text.strip().lower())
    word = STATUS_ALIASES.get(word, word)
    if word not in CALL_STATUSES:
        raise CellError(f"must be one of {', '.join(CALL_STATUSES)} (got “{text[:40]}”)")
    return word


def check_text(text: str, limit: int) -> str:
    """Return free text after checking its length and that it has no control characters."""
    if CONTROL_CHARACTERS.search(text):
        raise CellError("contains control characters")
    if len(text) > limit:
        raise CellError(f"is longer than {limit} characters")
    return text


def parse_provider_call_id(text: str) -> str | None:
    """Return the provider's call id, or None when blank (no id, not an empty one)."""
    return check_text(text, PROVIDER_CALL_ID_LIMIT) or None


def parse_ringtonic_id(text: str) -> uuid.UUID | None:
    """Return the Ring Tonic ID as a UUID, or None when blank."""
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise CellError(
            "is not a Ring Tonic ID (a UUID such as d4a7f0e2-9b3c-4e81-a6d5-7c2b8e1f0a93)"
        ) from None


def parse_country(text: str) -> str:
    """Return a two-letter country code in upper case, or ""."""
    if not text:
        return ""
    if len(text) != 2 or not text.isascii() or not text.isalpha():
        raise CellError("must be a two-letter country code such as US")
    return text.upper()
