"""Counters shared by every call aggregate: calls, answered, missed, first-time, duration."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, and_, case, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from ringtonic.models import CALL_STATUSES, SPAM_GATE_FAILED, Call

ANSWERED_STATUSES = ("answered",)
# Everything where the caller reached nobody: the leads an agency is losing. The one
# definition of "missed": rollups, dashboard, Money Map, reports, API and calls log use it.
MISSED_STATUSES = ("missed", "busy", "failed", "voicemail")
# The status filter value that selects every missed status at once.
MISSED_GROUP = "missed-all"
# What reports (which never count gate-stopped calls) can be filtered by.
STATUS_FILTERS = (MISSED_GROUP, *CALL_STATUSES)
# What the calls log, its export and the calls API can be filtered by: they list every
# stored call, those the spam gate stopped too.
CALL_LIST_STATUS_FILTERS = (*STATUS_FILTERS, SPAM_GATE_FAILED)


def counted_in_reports() -> ColumnElement[bool]:
    """Return the condition for calls that reports count: not spam, not stopped by the gate."""
    return and_(Call.spam.is_(False), Call.status != SPAM_GATE_FAILED)


def statuses_of(status: str | None) -> tuple[str, ...]:
    """Return the stored statuses a status filter selects (all of them for no filter)."""
    if not status:
        return CALL_STATUSES
    return MISSED_STATUSES if status == MISSED_GROUP else (status,)


def status_filter_label(status: str) -> str:
    """Return how pages name a status filter ("in-progress" → "In progress")."""
    if status == MISSED_GROUP:
        return "Missed (all: missed, busy, failed, voicemail)"
    return status.replace("-", " ").replace("_", " ").capitalize()


@dataclass(slots=True)
class Counters:
    """Running totals for one group of calls."""

    calls: int = 0
    answered: int = 0
    missed: int = 0
    first_time_callers: int = 0
    total_duration: int = 0

    def add(self, other: Counters) -> None:
        """Add another group's totals into this one."""
        self.calls += other.calls
        self.answered += other.answered
        self.missed += other.missed
        self.first_time_callers += other.first_time_callers
        self.total_duration += other.total_duration

    @classmethod
    def sum_of(cls, groups: Iterable[Counters]) -> Counters:
        """Return the totals of several groups (faster than adding them one by one)."""
        calls = answered = missed = first_time_callers = total_duration = 0
        for group in groups:
            calls += group.calls
            answered += group.answered
            missed += group.missed
            first_time_callers += group.first_time_callers
            total_duration += group.total_duration
        return cls(calls, answered, missed, first_time_callers, total_duration)

    @property
    def average_duration(self) -> float:
        return round(self.total_duration / self.calls, 1) if self.calls else 0.0

    def as_dict(self, into: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the counters as the API and pages show them, added to `into` if given."""
        # Filling the caller's dict spares geo-data a second dict for each of its places.
        shown = {} if into is None else into
        shown["calls"] = self.calls
        shown["answered"] = self.answered
        shown["missed"] = self.missed
        shown["first_time_callers"] = self.first_time_callers
        shown["average_duration"] = self.average_duration
        return shown


def counter_columns() -> list[ColumnElement[int]]:
    """Return the SELECT columns that fill a Counters, in its field order (never NULL)."""
    return [
        func.count(Call.id),
        func.coalesce(func.sum(case((Call.status.in_(ANSWERED_STATUSES), 1), else_=0)), 0),
        func.coalesce(func.sum(case((Call.status.in_(MISSED_STATUSES), 1), else_=0)), 0),
        func.coalesce(func.sum(case((Call.first_call.is_(True), 1), else_=0)), 0),
        func.coalesce(func.sum(Call.duration_seconds), 0),
    ]


def counters_from(values: Iterable[int]) -> Counters:
    """Build Counters from five integers, as `counter_columns` and the rollup queries select."""
    return Counters(*values)


class epoch_seconds(FunctionElement[int]):
    """Whole seconds since 1970 (rounded down) of a UTC timestamp, on SQLite and PostgreSQL."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    # sqlite3 uses qmark parameters, so a literal % needs no escaping here.
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_seconds_postgresql(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    # FLOOR: a cast alone rounds, moving a call at 10:59:59.6 into the next hour.
    epoch = f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"
    return f"CAST(FLOOR({epoch}) AS BIGINT)"
