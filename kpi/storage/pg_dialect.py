"""DuckDB SQL text → PostgreSQL SQL text: the thin dialect layer of the PostgreSQL engine.

The storage modules write DuckDB SQL once. For PostgreSQL each statement is parsed (sqlglot, DuckDB
dialect), the few constructs PostgreSQL lacks are rewritten, and the result is printed in
PostgreSQL's dialect; a statement is translated once per process (cached by its text).

What is rewritten, and why it reads the same:
- placeholders: `?` and `$name` become `$1 … $n` (psycopg's raw cursor), with the parameter each
  stands for, so literal `%` signs need no escaping;
- `GROUP BY ALL` → the ordinals of the select items that hold no aggregate (what DuckDB groups by);
- `CREATE OR REPLACE TEMP TABLE x AS …` → `DROP TABLE IF EXISTS x` then `CREATE TEMP TABLE x AS …`;
- list lambdas (`list_filter`, `list_transform`) → `ARRAY(SELECT … ORDER BY ordinality)` over
  `generate_subscripts`, the list evaluated once in a LATERAL, elements kept in list order;
- `list_sum(l)` → compat.sql's list_sum, which adds in list order as DuckDB's does, so the two
  engines agree bit for bit; `list_sort`, `list_aggregate(l, 'median')`;
- structs → named composite types (kpi/migrations/postgresql/compat.sql), chosen by their field
  names (`STRUCTS`); `struct_pack(...)` → `ROW(...)::type`;
- `arg_max(a, k)` / `arg_max_null(a, k)` → the first of `array_agg(a ORDER BY k DESC)`;
- `range(a, b)` as a list, `make_date`, `year`/`month` as integers, `[]` as an empty array of the
  column's type, `len` of a list or a string (compat.sql defines `len` for both).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.dialects.postgres import Postgres
from sqlglot.tokens import TokenType

# Struct shapes → the composite type of compat.sql that holds them (field names in order).
STRUCTS: dict[tuple[str, ...], str] = {
    ("day", "value", "horizon"): "kpi_target_point",
    ("day", "summed", "latest"): "kpi_series_point",
    ("fiscal_year", "amount"): "kpi_award_amount",
    ("organization_code", "percent"): "kpi_ip_share",
    ("description", "owner", "due_on", "done_on"): "kpi_action_item",
    ("day", "value"): "kpi_day_value",
    ("day", "amt"): "kpi_day_amount",
    ("code", "min", "above"): "kpi_band",
}


class UntranslatableSQL(ValueError):
    """A DuckDB construct the PostgreSQL engine has no rewrite for (a programming error: add one)."""


@dataclass(frozen=True)
class Statement:
    """One PostgreSQL statement and, for each `$n`, the parameter it stands for: an int for the n-th
    `?`, a str for `$name`."""

    sql: str
    params: tuple[int | str, ...]


class _KpiPostgres(Postgres):
    class Generator(Postgres.Generator):  # type: ignore[valid-type,misc]
        TRANSFORMS: ClassVar[dict[Any, Callable[..., str]]] = {
            **Postgres.Generator.TRANSFORMS,
            exp.DateFromParts: lambda self, e: self.func(
                "MAKE_DATE", *(exp.cast(a, "INT") for a in (e.args["year"], e.args["month"], e.args["day"]))
            ),
            exp.Length: lambda self, e: self.func("LEN", e.this),
            exp.Year: lambda self, e: f"CAST(EXTRACT(YEAR FROM {self.sql(e.this)}) AS INT)",
            exp.Month: lambda self, e: f"CAST(EXTRACT(MONTH FROM {self.sql(e.this)}) AS INT)",
        }
        TYPE_MAPPING: ClassVar[dict[Any, str]] = {
            **Postgres.Generator.TYPE_MAPPING,
            exp.DataType.Type.INT128: "NUMERIC",  # DuckDB's HUGEINT: sums of BIGINT
            # DuckDB's JSON is text that holds JSON: the audit log writes and reads it as text
            exp.DataType.Type.JSON: "TEXT",
        }


def _struct_type(names: tuple[str, ...]) -> str:
    try:
        return STRUCTS[names]
    except KeyError:
        raise UntranslatableSQL(f"no PostgreSQL composite type for a struct of {names}") from None


def _fresh(counter: itertools.count[int]) -> tuple[str, str]:
    n = next(counter)
    return f"_l{n}", f"_o{n}"


def _element_sql(alias: str, position: str) -> str:
    return f"({alias}.v[{position}])"


def _over_list(
    items: exp.Expression, alias: str, position: str, select: str, *, where: str = "", order: str = ""
) -> exp.Expression:
    """SELECT … over a list's elements: the list evaluated once (a LATERAL of one row), then its
    positions; `select`, `where` and `order` read the element as `(alias.v[position])`."""
    sql = (
        f"SELECT {select} FROM (SELECT {items.sql(dialect=_KpiPostgres)} AS v) AS {alias},"
        f" generate_subscripts({alias}.v, 1) AS {position}"
    )
    if where:
        sql += f" WHERE {where}"
    if order:
        sql += f" ORDER BY {order}"
    return exp.maybe_parse(sql, dialect=_KpiPostgres)


def _lambda_body(fn: exp.Lambda, element: str) -> exp.Expression:
    """The lambda's body with its one parameter replaced by `element` (an indexed list element)."""
    (param,) = fn.expressions
    name = param.name
    body = fn.this.copy()

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Dot) and isinstance(node.this, exp.Identifier) and node.this.name == name:
            return exp.Dot(this=exp.Paren(this=exp.maybe_parse(element)), expression=node.expression)
        if isinstance(node, exp.Column) and not node.table and node.name == name:
            return exp.Paren(this=exp.maybe_parse(element))
        if isinstance(node, exp.Column) and node.table == name:  # x.day parsed as a column of table x
            return exp.Dot(this=exp.Paren(this=exp.maybe_parse(element)), expression=node.this)
        if isinstance(node, exp.Identifier) and node.name == name and not isinstance(node.parent, exp.Dot):
            return exp.Paren(this=exp.maybe_parse(element))
        return node

    return body.transform(replace)


class _Rewriter:
    """One statement's rewrite: fresh aliases per statement; `columns` names a table's columns (from
    the database's catalog) for `SELECT * EXCLUDE (...)`."""

    def __init__(self, columns: Callable[[str], list[str]]) -> None:
        self.counter = itertools.count(1)
        self.columns = columns

    def subquery_over(self, items: exp.Expression, select: str, *, where: str = "", order: str = "",
                      aggregate: bool = False) -> exp.Expression:  # fmt: skip
        """`select` (text with {e} for the element and {o} for its position) over every element."""
        alias, position = _fresh(self.counter)
        element = _element_sql(alias, position)
        sub = _over_list(
            items,
            alias,
            position,
            select.format(e=element, o=position),
            where=where.format(e=element, o=position),
            order=order.format(e=element, o=position),
        )
        return exp.Paren(this=sub) if aggregate else exp.Array(expressions=[sub])

    def lambda_call(
        self, items: exp.Expression, fn: exp.Expression, *, keep: bool, where: exp.Expression | None = None
    ) -> exp.Expression:
        """list_filter (`keep`: the elements for which the body holds) or list_transform (the body of
        every element), in list order. `where`: the lambda of a list_filter this list_transform reads,
        fused into one subquery (the same elements in the same order, without the filtered list)."""
        if not isinstance(fn, exp.Lambda) or (where is not None and not isinstance(where, exp.Lambda)):
            raise UntranslatableSQL(f"expected a lambda, got {fn.sql()}")
        alias, position = _fresh(self.counter)
        element = _element_sql(alias, position)
        body = _lambda_body(fn, element).transform(self.rewrite).sql(dialect=_KpiPostgres)
        condition = body if keep else ""
        if where is not None:
            condition = _lambda_body(where, element).transform(self.rewrite).sql(dialect=_KpiPostgres)
        select = element if keep else body
        sub = _over_list(items, alias, position, select, where=condition, order=position)
        return exp.Anonymous(this="ARRAY", expressions=[sub])

    def transform_call(self, items: exp.Expression, fn: exp.Expression) -> exp.Expression:
        """list_transform(items, fn), fused with a list_filter that makes `items`."""
        if isinstance(items, exp.ArrayFilter):
            source = items.this.transform(self.rewrite)
            return self.lambda_call(source, fn, keep=False, where=items.expression)
        if isinstance(items, exp.Anonymous) and items.name.lower() == "list_filter":
            inner, condition = items.expressions
            return self.lambda_call(inner.transform(self.rewrite), fn, keep=False, where=condition)
        return self.lambda_call(items.transform(self.rewrite), fn, keep=False)

    def rewrite(self, node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.ArrayFilter):
            return self.lambda_call(node.this.transform(self.rewrite), node.expression, keep=True)
        if isinstance(node, exp.Transform):
            return self.transform_call(node.this, node.expression)
        if isinstance(node, exp.Anonymous):
            name = node.name.lower()
            if name == "list_transform":
                return self.transform_call(node.expressions[0], node.expressions[1])
            args = [a.transform(self.rewrite) for a in node.expressions]
            if name == "list_filter":
                return self.lambda_call(args[0], node.expressions[1], keep=True)
            if name == "list_sum":  # compat.sql's: in list order, as DuckDB adds
                return exp.Anonymous(this="list_sum", expressions=[exp.cast(args[0], "DOUBLE PRECISION[]")])
            if name == "list_aggregate" and args[1].name == "median":
                return self.subquery_over(
                    args[0], "percentile_cont(0.5) WITHIN GROUP (ORDER BY {e})", aggregate=True
                )
            if name == "arg_max_null":
                return _arg_max(args[0], args[1], skip_null_values=False)
            if name == "list_position":
                return exp.Anonymous(this="ARRAY_POSITION", expressions=args)
            if name == "struct_pack":
                raise UntranslatableSQL("struct_pack with positional arguments")
        if isinstance(node, exp.ArgMax):
            return _arg_max(node.this.transform(self.rewrite), node.expression.transform(self.rewrite),
                            skip_null_values=True)  # fmt: skip
        if isinstance(node, exp.ArraySort):
            inner = node.this
            if isinstance(inner, exp.ArrayAgg):  # list_sort(list(x)): one ordered aggregate
                value = inner.this.transform(self.rewrite).sql(dialect=_KpiPostgres)
                return exp.maybe_parse(f"ARRAY_AGG({value} ORDER BY {value})", dialect=_KpiPostgres)
            return self.subquery_over(inner.transform(self.rewrite), "{e}", order="{e}")
        if isinstance(node, exp.Struct):
            names = tuple(e.this.name if isinstance(e, exp.PropertyEQ) else e.alias for e in node.expressions)
            values = [e.expression if isinstance(e, exp.PropertyEQ) else e.this for e in node.expressions]
            row = exp.Anonymous(this="ROW", expressions=[v.transform(self.rewrite) for v in values])
            return exp.Cast(this=row, to=exp.DataType.build(_struct_type(names), udt=True))
        if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.STRUCT:
            names = tuple(f.name for f in node.expressions)
            return exp.DataType.build(_struct_type(names), udt=True)
        in_from = isinstance(node.parent, (exp.From, exp.Join, exp.Table))
        if isinstance(node, exp.GenerateSeries) and not in_from:
            # DuckDB's range(a, b) is a list [a, b): sqlglot already made the end inclusive
            return exp.Anonymous(this="ARRAY", expressions=[exp.select(node.copy())])
        if isinstance(node, exp.Array) and not node.expressions:
            return exp.Literal.string("{}")  # an untyped '{}' takes the type of its context
        if isinstance(node, exp.Div):
            # DuckDB's `/` divides as doubles, x / 0 giving ±Infinity or NaN; PostgreSQL's raises
            left, right = (
                exp.cast(e.transform(self.rewrite), "DOUBLE PRECISION") for e in (node.this, node.expression)
            )
            return exp.Anonymous(this="kpi_div", expressions=[left, right])
        if isinstance(node, exp.CTE):
            # PostgreSQL inlines a CTE used once, copying its expressions into every reference: the
            # status query's chain of CTEs then grows without bound. DuckDB computes each once.
            node.set("materialized", True)
        if isinstance(node, exp.Select):
            self.expand_exclude(node)
            _group_by_all(node)
            self.order_by_all(node)
            _alias_subqueries(node, self.counter)
        return node

    def order_by_all(self, select: exp.Select) -> None:
        """`ORDER BY ALL`: every select item in order (a star over a table: its columns)."""
        order = select.args.get("order")
        if order is None or not (
            len(order.expressions) == 1 and order.expressions[0].this.name.upper() == "ALL"
        ):
            return
        if isinstance(order.expressions[0].this, exp.Column) and order.expressions[0].this.table:
            return
        items = select.expressions
        count = len(items)
        if len(items) == 1 and isinstance(items[0], exp.Star):
            count = len(self.columns(select.args["from_"].this.name))
        order.set("expressions", [exp.Ordered(this=exp.Literal.number(i)) for i in range(1, count + 1)])

    def expand_exclude(self, select: exp.Select) -> None:
        """`SELECT * EXCLUDE (c) FROM t` or `FROM (SELECT *, x AS c FROM t)`: the columns spelled out."""
        stars = [e for e in select.expressions if isinstance(e, exp.Star) and e.args.get("except_")]
        if not stars:
            return
        source = select.args["from_"].this
        if isinstance(source, exp.Subquery) and isinstance(source.this, exp.Select):
            inner = source.this
            table = inner.args["from_"].this
            names = [*self.columns(table.name), *(e.alias for e in inner.expressions if e.alias)]
        elif isinstance(source, exp.Table):
            names = self.columns(source.name)
        else:
            raise UntranslatableSQL(f"EXCLUDE over {source.sql()}")
        dropped = {c.name for c in stars[0].args["except_"]}
        select.set("expressions", [exp.column(n) for n in names if n not in dropped])


def _parenthesize(node: exp.Expression) -> exp.Expression:
    """PostgreSQL subscripts and field access need a parenthesised base unless it is a column:
    `(ARRAY(…))[1]`, `((…)[1]).value`."""
    if isinstance(node, exp.Bracket) and not isinstance(node.this, (exp.Column, exp.Paren)):
        node.set("this", exp.Paren(this=node.this))
    if isinstance(node, exp.Dot) and not isinstance(node.this, (exp.Paren, exp.Identifier)):
        node.set("this", exp.Paren(this=node.this))
    return node


def _arg_max(value: exp.Expression, key: exp.Expression, *, skip_null_values: bool) -> exp.Expression:
    v, k = value.sql(dialect=_KpiPostgres), key.sql(dialect=_KpiPostgres)
    keep = f"{k} IS NOT NULL" + (f" AND {v} IS NOT NULL" if skip_null_values else "")
    return exp.maybe_parse(
        f"(ARRAY_AGG({v} ORDER BY {k} DESC) FILTER (WHERE {keep}))[1]", dialect=_KpiPostgres
    )


def _group_by_all(select: exp.Select) -> None:
    group = select.args.get("group")
    if group is None or not group.args.get("all"):
        return
    ordinals = [
        exp.Literal.number(i)
        for i, item in enumerate(select.expressions, start=1)
        if not item.find(exp.AggFunc) and not item.find(exp.Window)
    ]
    select.set("group", exp.Group(expressions=ordinals) if ordinals else None)


def _alias_subqueries(select: exp.Select, counter: itertools.count[int]) -> None:
    """PostgreSQL 15 wants an alias on every subquery in FROM (DuckDB does not)."""
    sources = []
    if select.args.get("from_"):
        sources.append(select.args["from_"].this)
    sources += [join.this for join in select.args.get("joins") or []]
    for source in sources:
        if isinstance(source, exp.Subquery) and not source.alias:
            source.set("alias", exp.TableAlias(this=exp.to_identifier(f"_s{next(counter)}")))


_POSITIONAL = "__p"  # `?` number i is renamed $__p<i> before parsing: numbered in the text's order


def _name_positional(sql: str) -> str:
    tokens = DuckDB.Tokenizer().tokenize(sql)
    out, last, n = [], 0, 0
    for token in tokens:
        # `?::TYPE` comes as one token (QDCOLON)
        placeholder = token.token_type == TokenType.PLACEHOLDER and token.text == "?"
        if placeholder or token.token_type == TokenType.QDCOLON:
            cast = "::" if token.token_type == TokenType.QDCOLON else ""
            out += [sql[last : token.start], f"${_POSITIONAL}{n}{cast}"]
            last, n = token.end + 1, n + 1
    return "".join(out) + sql[last:] if n else sql


def _placeholders(tree: exp.Expression) -> tuple[int | str, ...]:
    """Number every placeholder $1 … $n; a name used twice keeps its number, except under IS NULL:
    there it gets a slot of its own, cast to text, because PostgreSQL cannot type `$k IS NULL` from
    the value (`$k IS NULL OR kpi_code = $k`)."""
    slots: list[int | str] = []
    numbers: dict[int | str, int] = {}

    def number(node: exp.Expression) -> exp.Expression:
        if isinstance(node, (exp.Placeholder, exp.Parameter)):
            name = node.name
            key: int | str = int(name[len(_POSITIONAL) :]) if name.startswith(_POSITIONAL) else name
            if isinstance(node.parent, exp.Is):
                slots.append(key)
                return exp.cast(exp.Var(this=f"${len(slots)}"), "TEXT")
            if key not in numbers:
                slots.append(key)
                numbers[key] = len(slots)
            return exp.Var(this=f"${numbers[key]}")
        return node

    tree.transform(number, copy=False)
    return tuple(slots)


_CACHE: dict[str, tuple[Statement, ...]] = {}
_SCRIPTS: dict[str, tuple[str, ...]] = {}


def split(sql: str) -> tuple[str, ...]:
    """A script's statements, each as DuckDB SQL (a migration's later statements read the tables its
    earlier ones made, so each is translated only when the ones before it have run)."""
    found = _SCRIPTS.get(sql)
    if found is None:
        trees = [t for t in sqlglot.parse(_name_positional(sql), read="duckdb") if t is not None]
        found = _SCRIPTS[sql] = (sql,) if len(trees) <= 1 else tuple(t.sql(dialect="duckdb") for t in trees)
    return found


def translate(sql: str, columns: Callable[[str], list[str]]) -> tuple[Statement, ...]:
    """The PostgreSQL statements that do what DuckDB's `sql` does (several for one `CREATE OR REPLACE
    TEMP TABLE`, and one per statement of a script). Cached by text: the schema is the code's own."""
    cached = _CACHE.get(sql)
    if cached is None:
        cached = _CACHE[sql] = _translate(sql, columns)
    return cached


def _translate(sql: str, columns: Callable[[str], list[str]]) -> tuple[Statement, ...]:
    out: list[Statement] = []
    for tree in sqlglot.parse(_name_positional(sql), read="duckdb"):
        if tree is None:
            continue
        tree = tree.transform(_Rewriter(columns).rewrite).transform(_parenthesize)
        params = _placeholders(tree)
        if isinstance(tree, exp.Create) and tree.args.get("replace") and tree.kind == "TABLE":
            tree.set("replace", False)
            out.append(Statement(f"DROP TABLE IF EXISTS {tree.this.sql(dialect=_KpiPostgres)}", ()))
        out.append(Statement(tree.sql(dialect=_KpiPostgres), params))
    return tuple(out)
