"""A PostgreSQL cursor that reads like the DuckDB cursor the storage modules use.

`execute` takes DuckDB SQL with `?` or `$name` parameters and runs its translation
(kpi/storage/pg_dialect.py); `df()` gives the frame DuckDB's would (dates as datetime64, sums as
floats, structs as dicts); `register(name, frame)` makes a temporary table of the frame, filled by
COPY, where DuckDB would scan the frame in place. psycopg's errors are raised as the DuckDB error of
the same meaning, so the layers above catch one set of exceptions whatever the engine.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import duckdb
import pandas as pd
import psycopg
from psycopg import errors, sql
from psycopg.adapt import Loader

from kpi.storage.pg_dialect import STRUCTS, Statement, split, translate

# PostgreSQL type oids → pandas dtype of DuckDB's df() for the same column.
_INTEGERS = {20, 21, 23}
_FLOATS = {700, 701, 1700}
_DATES = {1082, 1114, 1184}
_BOOLEAN = 16


class NumericLoader(Loader):
    """numeric (what sum(BIGINT) gives) as int when whole, else float: DuckDB's HUGEINT reads as int."""

    def load(self, data: Any) -> int | float:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else float(value)


def _duck_error(error: psycopg.Error) -> duckdb.Error:
    """The DuckDB exception that means what `error` means (its message kept)."""
    text = str(error).strip()
    if isinstance(error, (errors.SerializationFailure, errors.DeadlockDetected, errors.LockNotAvailable)):
        return duckdb.TransactionException(f"Conflict: {text}")
    if isinstance(error, errors.IntegrityError):
        return duckdb.ConstraintException(text)
    if isinstance(error, errors.DiskFull):
        return duckdb.IOException(f"No space left on device: {text}")
    if isinstance(error, errors.DataError):
        return duckdb.ConversionException(text)
    if isinstance(error, errors.OperationalError):
        return duckdb.IOException(text)
    return duckdb.Error(text)


class PgCursor:
    """One unit of work's cursor on a pooled connection."""

    engine = "postgresql"  # what kpi/storage/locks.py asks: DuckDB's cursor has no such attribute

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection
        self._cursor = connection.cursor()
        self._registered: set[str] = set()

    # -- statements ---------------------------------------------------------------------
    def execute(self, query: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> PgCursor:
        described = _DESCRIBE.fullmatch(query.strip()) if query[:9].upper() == "DESCRIBE " else None
        if described:  # DuckDB's DESCRIBE t: (column, type) in order, the type in SQL that casts to it
            self._run(Statement(_DESCRIBE_SQL, (0,)), [described.group(1)])
            return self
        for part in split(query):
            for statement in translate(part, self._columns):
                self._run(statement, parameters)
        return self

    def _run(self, statement: Statement, parameters: Sequence[Any] | dict[str, Any] | None) -> None:
        values = [_bindable(_parameter(parameters, key)) for key in statement.params]
        text, values = _nulls_inline(statement.sql, values)
        try:
            self._cursor.execute(text.encode(), values or None)
        except psycopg.Error as error:
            raise _duck_error(error) from error

    def _columns(self, table: str) -> list[str]:
        """A table's columns in order (for EXCLUDE), read on this connection so that a table made
        earlier in the same transaction is seen."""
        with self.connection.cursor() as catalog:
            catalog.execute(
                b"SELECT column_name FROM information_schema.columns"
                b" WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                [table],
            )
            return [row[0] for row in catalog.fetchall()]

    # -- results ------------------------------------------------------------------------
    @property
    def description(self) -> list[tuple[Any, ...]] | None:
        found = self._cursor.description
        return None if found is None else [(c.name, c.type_code) for c in found]

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall()

    def df(self) -> pd.DataFrame:
        found = self._cursor.description or []
        rows = self._cursor.fetchall()
        names = [c.name for c in found]
        columns = {name: [row[i] for row in rows] for i, name in enumerate(names)}
        frame = pd.DataFrame(columns, columns=names)
        for column in found:
            frame[column.name] = _as_duckdb(frame[column.name], column.type_code)
        return frame

    # -- frames as tables ---------------------------------------------------------------
    def register(self, name: str, frame: pd.DataFrame) -> PgCursor:
        """A temporary table `name` holding `frame` (replacing one of that name)."""
        types = [_column_type(frame[c]) for c in frame.columns]
        table = sql.Identifier(name)
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(str(c)), sql.SQL(t))
            for c, t in zip(frame.columns, types, strict=True)
        )
        try:
            self._cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
            self._cursor.execute(sql.SQL("CREATE TEMP TABLE {} ({})").format(table, columns))
            with self._cursor.copy(sql.SQL("COPY {} FROM STDIN").format(table)) as copy:
                copy.set_types(types)
                for row in frame.itertuples(index=False, name=None):
                    copy.write_row([_bindable(v) for v in row])
        except psycopg.Error as error:
            raise _duck_error(error) from error
        self._registered.add(name)
        return self

    def unregister(self, name: str) -> PgCursor:
        self._cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
        self._registered.discard(name)
        return self

    def close(self) -> None:
        """Drop what this unit registered: the pooled connection outlives it."""
        if not self.connection.closed and not self.connection.broken:
            for name in list(self._registered):
                try:
                    self.unregister(name)
                except psycopg.Error:
                    break  # an aborted transaction: its temporary tables go with the rollback anyway
        self._cursor.close()


_DESCRIBE = re.compile(r"DESCRIBE\s+(\w+)", re.IGNORECASE)
_DESCRIBE_SQL = (
    "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
    " WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
)
_PLACEHOLDER = re.compile(r"\$(\d+)\b")


@lru_cache(maxsize=4096)
def _with_nulls(text: str, nulls: tuple[bool, ...]) -> str:
    numbers = list(itertools.accumulate(0 if null else 1 for null in nulls))

    def replace(match: re.Match[str]) -> str:
        n = int(match.group(1)) - 1
        return "NULL" if nulls[n] else f"${numbers[n]}"

    return _PLACEHOLDER.sub(replace, text)


def _nulls_inline(text: str, values: list[Any]) -> tuple[str, list[Any]]:
    """A NULL parameter as the literal NULL: the same meaning everywhere, and PostgreSQL needs no type
    for it (`$k IS NULL` with an untyped NULL is "could not determine data type")."""
    nulls = tuple(v is None for v in values)
    if not any(nulls):
        return text, values
    return _with_nulls(text, nulls), [v for v in values if v is not None]


def _parameter(parameters: Sequence[Any] | dict[str, Any] | None, key: int | str) -> Any:
    if parameters is None:
        raise duckdb.InvalidInputException(f"parameter {key} has no value")
    return parameters[key]  # type: ignore[index]  # a name for a dict, a number for a sequence


def _bindable(value: Any) -> Any:
    """Values psycopg adapts: pandas' missing values as NULL, Timestamps as datetimes, numpy scalars
    as Python numbers, tuples (DuckDB binds them as lists) as lists."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (list, tuple)):
        return [_bindable(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return _bindable(value.tolist())
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _column_type(series: pd.Series) -> str:
    """The PostgreSQL type of a frame's column, as DuckDB would infer it when it scans the frame."""
    kind = series.dtype.kind
    if kind in "iu":
        return "bigint"
    if kind == "f":
        return "double precision"
    if kind == "b":
        return "boolean"
    if kind == "M":
        return "timestamp"
    sample = next((v for v in series if _bindable(v) is not None), None)
    if sample is None and _is_key_name(str(series.name)):
        return "bigint"  # an empty frame's row numbers and ids (DuckDB leaves them untyped; PostgreSQL joins)
    return _value_type(sample)


def _is_key_name(name: str) -> bool:
    return name in ("_n", "_i", "id") or name.endswith("_id")


def _value_type(sample: Any) -> str:
    if isinstance(sample, bool):
        return "boolean"
    if isinstance(sample, int):
        return "bigint"
    if isinstance(sample, float):
        return "double precision"
    if isinstance(sample, datetime):
        return "timestamp"
    if isinstance(sample, date):
        return "date"
    if isinstance(sample, dict):
        return STRUCTS[tuple(sample)]
    if isinstance(sample, (list, tuple)) or hasattr(sample, "tolist"):
        items = list(sample.tolist() if hasattr(sample, "tolist") else sample)
        inner = next((v for v in items if v is not None), None)
        return ("text" if inner is None else _value_type(inner)) + "[]"
    return "text"


def _as_duckdb(values: pd.Series, oid: int) -> pd.Series:
    if oid in _DATES:
        return pd.to_datetime(values).astype("datetime64[us]")
    if oid in _FLOATS:
        return values.astype("float64")
    if oid in _INTEGERS:
        return values.astype("Int64" if values.isna().any() else "int64")
    if oid == _BOOLEAN:
        return values.astype("boolean" if values.isna().any() else "bool")
    return values
