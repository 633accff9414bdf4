"""Keyset pagination, newest first: a page costs the same however deep it is."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, Row, ScalarSelect, Select, and_, or_, select
from sqlalchemy.orm import Mapped, QueryableAttribute

from ringtonic.extensions import db
from ringtonic.services.errors import ValidationError

T = TypeVar("T")
UNKNOWN_CURSOR = "cursor does not continue this list; start again without it."


class Listed(Protocol):
    """A model listed per workspace by public uuid."""

    id: Mapped[int]
    workspace_id: Mapped[int]
    uuid: Mapped[uuid.UUID]


@dataclass(frozen=True)
class KeysetPage(Generic[T]):
    """One page of a newest-first list, and whether more items follow it."""

    items: list[T]
    has_more: bool

    @property
    def last(self) -> T | None:
        return self.items[-1] if self.items else None


def older_than(
    moment_column: QueryableAttribute[Any],
    id_column: QueryableAttribute[int],
    moment: ColumnElement[Any],
    row_id: ColumnElement[int],
) -> ColumnElement[bool]:
    """Rows after (moment, id) in newest-first order."""
    # `moment <= x` lets the index bound the range; the OR only settles equal moments.
    return and_(moment_column <= moment, or_(moment_column < moment, id_column < row_id))


def newer_than(
    moment_column: QueryableAttribute[Any],
    id_column: QueryableAttribute[int],
    moment: ColumnElement[Any],
    row_id: ColumnElement[int],
) -> ColumnElement[bool]:
    """Rows before (moment, id) in newest-first order."""
    return and_(moment_column >= moment, or_(moment_column > moment, id_column > row_id))


def position_of(
    model: type[Listed],
    moment_column: QueryableAttribute[Any],
    workspace_id: int,
    public_id: uuid.UUID,
) -> Row[Any, int] | None:
    """Return (moment, id) of the workspace's row with this uuid, or None."""
    return db.session.execute(
        select(moment_column, model.id).where(
            model.workspace_id == workspace_id, model.uuid == public_id
        )
    ).first()


def position_inside(
    model: type[Listed],
    moment_column: QueryableAttribute[Any],
    workspace_id: int,
    public_id: uuid.UUID,
) -> tuple[ScalarSelect[Any], ScalarSelect[int]]:
    """Return (moment, id) of the workspace's row with this uuid, as two subqueries.

    A page query bounded by them finds the cursor's row itself (once, through the
    unique uuid index): no query of its own, one round trip per page. A uuid that names
    no row of the workspace gives NULLs, and so an empty page.
    """
    found = select(moment_column).where(model.workspace_id == workspace_id, model.uuid == public_id)
    return found.scalar_subquery(), found.with_only_columns(model.id).scalar_subquery()


def newest_first_page(
    query: Select[T],
    model: type[Listed],
    moment_column: QueryableAttribute[Any],
    *,
    workspace_id: int,
    after: uuid.UUID | None,
    limit: int,
) -> KeysetPage[T]:
    """Run `query` (already filtered to the workspace) for the page after the row `after`.

    The page is ordered by (moment, id) descending, which an index on (workspace_id,
    moment, id) serves directly; the next page starts from the last row's position.
    """
    if after is not None:
        position = position_inside(model, moment_column, workspace_id, after)
        query = query.where(older_than(moment_column, model.id, *position))
    query = query.order_by(moment_column.desc(), model.id.desc()).limit(limit + 1)
    rows = list(db.session.scalars(query).unique())
    if (
        not rows
        and after is not None
        and position_of(model, moment_column, workspace_id, after) is None
    ):
        # An unknown cursor matches no row, like the end of the list: tell them apart.
        raise ValidationError(UNKNOWN_CURSOR, "cursor")
    return KeysetPage(rows[:limit], len(rows) > limit)
