"""Importing calls from a CSV file: check every row first, then add them all or none."""

from __future__ import annotations

import codecs
import csv
import functools
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ringtonic.extensions import db
from ringtonic.models import Call, CallImport, PhoneNumber, User, Workspace
from ringtonic.models.types import utcnow
from ringtonic.services.calls import import_fields as fields
from ringtonic.services.calls import import_runs as runs
from ringtonic.services.calls.import_dates import parse_started_at
from ringtonic.services.calls.import_dedupe import DerivedIds, drop_known
from ringtonic.services.errors import Conflict, ServiceError, ValidationError
from ringtonic.services.reporting.rollups import add_calls, lock_rollups, recounting_calls

MAX_ROWS = 100_000
MAX_PROBLEMS_KEPT = 200
# Calls written per transaction: each holds the write lock for a moment only.
INSERT_BATCH = 500
LOOKUP_BATCH = 500
PROGRESS_EVERY = 500
# Clocks drift and zones confuse: allow a little future before calling a time impossible.
FUTURE_TOLERANCE = timedelta(days=1)
DELIMITERS = (",", ";", "\t")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RowProblem:
    """Why one cell (or row) of the file cannot be imported."""

    line: int
    column: str
    reason: str


class ImportRejected(ValidationError):
    """Some rows are bad, so nothing was imported; `problems` lists the first of them."""

    def __init__(self, problems: list[RowProblem], total: int) -> None:
        noun = "problem" if total == 1 else "problems"
        super().__init__(f"The file has {total} {noun}; nothing was imported.", "file")
        self.problems = problems
        self.total = total


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    imported: int
    skipped: int
    ignored_columns: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _NewCall:
    started_at: datetime
    caller_number: str
    tracking_number: str
    duration_seconds: int
    status: str
    caller_city: str
    caller_state: str
    caller_zip: str
    caller_country: str
    source: str
    medium: str
    external_id: str
    provider_call_id: str | None
    phone_number_id: int | None
    campaign_id: int | None
    first_call: bool = False


@dataclass(slots=True)
class _FileCall(_NewCall):
    """A row's call and the Ring Tonic ID it carries, which is matched but never stored."""

    ringtonic_id: uuid.UUID | None = None


def _decoded_lines(stream: Iterable[bytes]) -> Iterator[str]:
    """Yield the file's lines as text, naming the first line that is not UTF-8."""
    for number, raw in enumerate(stream, start=1):
        if number == 1:
            if raw.startswith(b"PK\x03\x04"):
                raise ValidationError(
                    "This is a spreadsheet workbook, not CSV. Save it as “CSV UTF-8” first.",
                    "file",
                )
            raw = raw.removeprefix(codecs.BOM_UTF8)
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(
                f"Line {number} is not UTF-8 text. Save the file as “CSV UTF-8” and try again.",
                "file",
            ) from None


def _read_records(stream: Iterable[bytes]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Return the header and every non-blank record with the line it starts on."""
    lines = _decoded_lines(stream)
    first = next(lines, None)
    if first is None or not first.strip():
        raise ValidationError("The file is empty.", "file")
    delimiter = max(DELIMITERS, key=first.count)
    reader = csv.reader(chain([first], lines), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    try:
        header = next(reader)
        line = reader.line_num
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(records) == MAX_ROWS:
                raise ValidationError(
                    f"The file has more than {MAX_ROWS:,} calls. Split it into smaller files.",
                    "file",
                )
            records.append((start, cells))
    except csv.Error as error:
        raise ValidationError(
            f"Line {reader.line_num} is not valid CSV ({error}).", "file"
        ) from None
    return header, records


def _remembered(parse: Callable[[str], str]) -> Callable[[str], str]:
    """Return `parse` answering repeated values from memory (numbers repeat row after row)."""
    answers: dict[str, tuple[bool, str]] = {}

    def parse_once(text: str) -> str:
        if text not in answers:
            try:
                answers[text] = (True, parse(text))
            except fields.CellError as error:
                answers[text] = (False, str(error))
        parsed, answer = answers[text]
        if not parsed:
            raise fields.CellError(answer)
        return answer

    return parse_once


class _RowReader:
    """Turns records into _NewCall objects, collecting every problem on the way."""

    def __init__(
        self, workspace: Workspace, columns: dict[str, tuple[int, str]], width: int
    ) -> None:
        self.columns = columns
        self.width = width
        zone = ZoneInfo(workspace.time_zone)
        latest = utcnow() + FUTURE_TOLERANCE
        self.parsers: dict[str, Callable[[str], object]] = {
            "started_at": lambda text: parse_started_at(text, zone, latest),
            "caller_number": _remembered(fields.parse_caller),
            "tracking_number": _remembered(fields.parse_tracking),
            "duration": fields.parse_duration,
            "status": fields.parse_status,
            "country": fields.parse_country,
            "external_id": lambda text: fields.check_text(text, fields.EXTERNAL_ID_LIMIT),
            "provider_call_id": fields.parse_provider_call_id,
            "ringtonic_id": fields.parse_ringtonic_id,
            **{
                name: functools.partial(fields.check_text, limit=limit)
                for name, limit in fields.TEXT_LIMITS.items()
            },
        }
        numbers = db.session.scalars(
            select(PhoneNumber).where(PhoneNumber.workspace_id == workspace.id)
        )
        self.numbers = {number.number: number for number in numbers}
        self.problems: list[RowProblem] = []
        self.total_problems = 0
        self.derived_ids = DerivedIds()

    def _problem(self, line: int, column: str, reason: str) -> None:
        self.total_problems += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(RowProblem(line, column, reason))

    def read(self, line: int, cells: list[str]) -> _FileCall | None:
        """Return the row's call, or None after recording why it cannot be imported."""
        problems_before = self.total_problems
        if any(cell.strip() for cell in cells[self.width :]):
            self._problem(line, "", "the row has more cells than the header row names")
        # Each column's parser gives its own type (a datetime, an int, text, a UUID).
        values: dict[str, Any] = {}
        for name, (position, written) in self.columns.items():
            raw = cells[position].strip() if position < len(cells) else ""
            try:
                values[name] = self.parsers[name](fields.unquote_formula(raw))
            except fields.CellError as error:
                self._problem(line, written, str(error))
        if self.total_problems > problems_before:
            return None
        number = self.numbers.get(values["tracking_number"])
        call = _FileCall(
            started_at=values["started_at"],
            caller_number=values["caller_number"],
            tracking_number=values["tracking_number"],
            duration_seconds=values.get("duration", 0),
            status=values["status"],
            caller_city=values.get("city", ""),
            caller_state=values.get("state", ""),
            caller_zip=values.get("zip", ""),
            caller_country=values.get("country", ""),
            source=values.get("source") or (number.source if number else ""),
            medium=values.get("medium") or (number.medium if number else ""),
            external_id=values.get("external_id", ""),
            provider_call_id=values.get("provider_call_id"),
            phone_number_id=number.id if number else None,
            campaign_id=number.campaign_id if number else None,
            ringtonic_id=values.get("ringtonic_id"),
        )
        if not call.external_id:
            call.external_id = self.derived_ids.next_for(call)
        return call


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _mark_first_calls(workspace: Workspace, calls: Sequence[_NewCall]) -> None:
    """Flag each caller's earliest call, counting calls already in the workspace."""
    callers = sorted({call.caller_number for call in calls if call.caller_number})
    earliest: dict[str, datetime] = {}
    for chunk in _chunks(callers, LOOKUP_BATCH):
        earliest.update(
            db.session.execute(
                select(Call.caller_number, func.min(Call.started_at))
                .where(Call.workspace_id == workspace.id, Call.caller_number.in_(chunk))
                .group_by(Call.caller_number)
            ).all()
        )
    seen: set[str] = set()
    demoted: list[str] = []
    # sorted() is stable: calls at the same moment keep the file's order.
    for call in sorted(calls, key=lambda c: c.started_at):
        caller = call.caller_number
        if not caller or caller in seen:
            continue
        seen.add(caller)
        before = earliest.get(caller)
        call.first_call = before is None or call.started_at < before
        if before is not None and call.first_call:
            demoted.append(caller)
    # Imported history can predate a caller's known first call, which then is not first.
    for chunk in _chunks(demoted, LOOKUP_BATCH):
        ids = db.session.scalars(
            select(Call.id).where(
                Call.workspace_id == workspace.id,
                Call.caller_number.in_(chunk),
                Call.first_call.is_(True),
            )
        ).all()
        with recounting_calls(ids):
            db.session.execute(
                update(Call)
                .where(Call.id.in_(ids))
                .values(first_call=False)
                .execution_options(synchronize_session=False)
            )


def _insert(workspace: Workspace, record: CallImport, calls: Sequence[_NewCall]) -> None:
    if not calls:
        return
    rows = [
        {
            "workspace_id": workspace.id,
            "import_id": record.id,
            **{name: getattr(call, name) for name in _NewCall.__slots__},
        }
        for call in calls
    ]
    try:
        add_calls(db.session.scalars(insert(Call).returning(Call.id), rows).all())
    except IntegrityError:
        raise Conflict(
            "Some of these calls were added by someone else at the same moment. Nothing was "
            "imported from this file; import it again to add the rest.",
            "file",
        ) from None


def _write(
    workspace: Workspace, record: CallImport, calls: list[_FileCall], progress: Progress
) -> tuple[int, int]:
    """Add the new calls a batch per transaction; return how many were added and skipped."""
    # Over the whole file first: a row repeating an earlier one is caught whichever batch
    # each falls in. Each batch checks again, under the lock, for calls stored meanwhile.
    calls, skipped = drop_known(workspace, calls)
    imported = 0
    for done, batch in enumerate(_chunks(calls, INSERT_BATCH)):
        runs.touch(record)
        # Before reading what is stored: nothing else may change this workspace's calls now.
        lock_rollups(workspace.id)
        fresh, known = drop_known(workspace, batch)
        _mark_first_calls(workspace, fresh)
        _insert(workspace, record, fresh)
        imported, skipped = imported + len(fresh), skipped + known
        runs.touch(record, imported=imported, skipped=skipped)
        db.session.commit()
        progress("Saving calls", min(len(calls), (done + 1) * INSERT_BATCH), len(calls))
        runs.pause_for_live_writes()
    return imported, skipped


def _no_progress(stage: str, done: int, total: int) -> None:
    """Ignore progress reports."""


def _checked_calls(
    workspace: Workspace, stream: BinaryIO | Iterable[bytes], progress: Progress
) -> tuple[list[_FileCall], list[str]]:
    """Read and check every row; return the calls and the ignored columns, or raise."""
    header, records = _read_records(stream)
    columns, ignored = fields.map_columns(header)
    if not records:
        raise ValidationError("The file has no calls below the header row.", "file")
    reader = _RowReader(workspace, columns, len(header))
    calls: list[_FileCall] = []
    for done, (line, cells) in enumerate(records, start=1):
        call = reader.read(line, cells)
        if call is not None:
            calls.append(call)
        if done % PROGRESS_EVERY == 0 or done == len(records):
            progress("Checking rows", done, len(records))
    if reader.total_problems:
        raise ImportRejected(reader.problems, reader.total_problems)
    return calls, ignored


def import_calls(
    workspace: Workspace,
    stream: BinaryIO | Iterable[bytes],
    *,
    actor: User | None = None,
    ip: str | None = None,
    filename: str = "",
    progress: Progress = _no_progress,
) -> ImportResult:
    """Check every row of a calls CSV, then add the new calls in short transactions.

    Unlike other services this one commits, a batch at a time, so that live calls never
    wait on a long import; all or nothing still holds: nothing is written until every
    row is checked, and an import that fails while writing removes what it wrote (see
    import_runs). Only one import per workspace writes at a time (ImportBusy).
    """
    # Checked before taking the import slot: a refused file leaves no trace.
    calls, ignored = _checked_calls(workspace, stream, progress)
    record = runs.start_import(workspace, actor, filename)
    try:
        imported, skipped = _write(workspace, record, calls, progress)
    except ServiceError as error:
        runs.abandon_import(record, error.message)
        raise
    except BaseException:
        runs.abandon_import(record, "The import stopped while saving; its calls were removed.")
        raise
    runs.complete_import(
        record, workspace, actor, ip, rows=len(calls), imported=imported, skipped=skipped
    )
    return ImportResult(imported=imported, skipped=skipped, ignored_columns=ignored)
