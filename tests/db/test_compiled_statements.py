"""Statements compiled once to the driver's text refuse what the driver cannot take as is."""

from __future__ import annotations

import pytest
from sqlalchemy import PickleType, bindparam, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from ringtonic.db.compiled import CompiledStatement


def test_a_parameter_that_needs_converting_is_refused():
    statement = select(bindparam("value", type_=PickleType()))
    with pytest.raises(ValueError, match="bind processor"):
        CompiledStatement(statement, postgresql.psycopg.dialect())


def test_a_driver_with_positional_parameters_is_refused():
    with pytest.raises(ValueError, match="positional"):
        CompiledStatement(select(bindparam("value")), sqlite.dialect())


def test_literal_values_are_bound_once_and_required_ones_left_to_each_run():
    compiled = CompiledStatement(select(literal(7) + bindparam("n")), postgresql.psycopg.dialect())
    assert "%(n)s" in compiled.sql
    assert list(compiled.fixed.values()) == [7]
