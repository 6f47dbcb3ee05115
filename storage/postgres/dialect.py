"""The SQLite dialect of the repositories, translated for PostgreSQL: the ONE place where the
two engines' SQL differs.

The repositories write SQLite's SQL (storage/engine.py); the PostgreSQL engine passes every
statement through `translate` once (the result is cached by text). What it does:

- placeholders `?` become `%s` (psycopg's), and a literal `%` becomes `%%`;
- `INSERT OR IGNORE INTO …` becomes `INSERT INTO … ON CONFLICT DO NOTHING`;
- `x IS ?` / `x IS NOT ?` become IS [NOT] DISTINCT FROM, max(a, b) / min(a, b) of two values
  greatest / least, `temp.name` pg_temp.name, `+column` (SQLite's hint not to use an index)
  the column, `CROSS JOIN t ON` (a join-order hint to SQLite) a plain JOIN;
- `LIKE` becomes `ILIKE` (SQLite's LIKE ignores the case of ASCII letters; PostgreSQL's does
  not), `INDEXED BY name` (a hint to SQLite's planner) is dropped, a bare `1`/`0` used as a
  condition becomes TRUE/FALSE;
- `PRAGMA …` (SQLite's settings, e.g. secure_delete around an erasure) becomes a no-op: a
  deleted row's bytes stay in PostgreSQL's pages until VACUUM reclaims them, which autovacuum
  does; see README "PostgreSQL";
- the few fragments that cannot be translated by a rule are replaced word for word
  (`REPLACEMENTS`), and SQLite's functions the repositories use and PostgreSQL lacks (instr,
  json_each over a JSON array in a TEXT column, the full-text MATCH of the staff's search) are
  defined as SQL functions by `FUNCTIONS`, which the engine (re)creates before migrating.

What is not here: the schema (storage/migrations/postgres/, one file per SQLite migration
number), the catalogue (PostgresDatabase.schema), and what each engine does with transactions.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

__all__ = ["FUNCTIONS", "REPLACEMENTS", "Translated", "translate"]

# Fragments of the repositories' SQL written for SQLite, and what PostgreSQL runs instead.
REPLACEMENTS: Final[tuple[tuple[str, str], ...]] = (
    # the reference of a new registration (storage/enterprises.py); printf is SQLite's
    (
        "printf('HN-%s-%06d', substr(created_at, 1, 4), id)",
        "'HN-' || substr(created_at, 1, 4) || '-' || lpad(id::text, 6, '0')",
    ),
    # json_extract gives SQLite's own type (an integer here); ->> gives text
    ("json_extract(c.data, '$.fair') = ?", "(c.data::jsonb ->> 'fair') = (?)::text"),
    # FTS5's index of the staff's search (migration 0014) is SQLite's: PostgreSQL matches the
    # folded text itself (search_match, below), so filling the index is nothing to do
    ("INSERT INTO enterprise_search (enterprise_search) VALUES ('rebuild')", "SELECT 1"),
    ("INSERT INTO enterprise_search (rowid, search_text) VALUES (?, ?)", "SELECT ?, ?"),
    (
        "SELECT rowid FROM enterprise_search WHERE enterprise_search MATCH ?",
        "SELECT id FROM enterprises WHERE search_match(search_text, ?)",
    ),
)

# SQLite's functions as PostgreSQL functions, created (or replaced) at every migrate.
FUNCTIONS: Final = r"""
CREATE OR REPLACE FUNCTION instr(haystack text, needle text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT strpos(haystack, needle) $$;
-- json_each over a JSON array kept as TEXT: its elements' values, as text
CREATE OR REPLACE FUNCTION json_each(doc text) RETURNS TABLE (value text)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT jsonb_array_elements_text(coalesce(doc, '[]')::jsonb) $$;
-- sum() of conditions, which SQLite counts as 1 and 0
CREATE OR REPLACE FUNCTION sum_flag(total bigint, flag boolean) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(total, 0) + coalesce(flag::int, 0) $$;
CREATE OR REPLACE AGGREGATE sum(boolean) (SFUNC = sum_flag, STYPE = bigint);
-- FTS5's MATCH of '"w1" AND "w2"' (storage/registrations.py) on the folded search text:
-- every quoted word is a substring of it (FTS5's trigram tokenizer finds substrings too)
CREATE OR REPLACE FUNCTION search_match(haystack text, query text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT haystack IS NOT NULL
        AND coalesce(bool_and(strpos(haystack, replace(w, '""', '"')) > 0), TRUE)
    FROM unnest(string_to_array(substr(query, 2, length(query) - 2), '" AND "')) AS w
$$;
"""


class Translated:
    """A statement in PostgreSQL's dialect, and what the engine needs to know of it."""

    __slots__ = ("inserting", "returning", "sql", "table")

    def __init__(self, sql: str, *, inserting: bool, returning: bool, table: str | None) -> None:
        self.sql = sql
        self.inserting = inserting  # an INSERT: execute() returns the new row's id
        self.returning = returning  # it has its own RETURNING clause
        self.table = table  # the table an INSERT writes to


_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", re.I)
_INDEXED_BY = re.compile(r"\s+INDEXED\s+BY\s+\w+", re.I)
_LIKE = re.compile(r"\bLIKE\b", re.I)
_BARE_BOOL = re.compile(
    r"\b(WHERE|AND|OR|ON|NOT)\s+([01])(?=\s*(?:$|\)|AND\b|OR\b|ORDER\b|GROUP\b|LIMIT\b))", re.I
)
_CROSS_JOIN_ON = re.compile(r"\bCROSS\s+JOIN(\s+\w+(?:\s+(?:AS\s+)?\w+)?\s+ON)\b", re.I)
_IS_PARAM = re.compile(r"\bIS\s+(NOT\s+)?\?", re.I)
_MAX_MIN = re.compile(r"\b(max|min)\(", re.I)
_UNARY_PLUS = re.compile(r"(?<=[\s(,=])\+(?=[A-Za-z_])")
_TEMP_SCHEMA = re.compile(r"\btemp\.(?=\w)", re.I)
_RETURNING = re.compile(r"\bRETURNING\b", re.I)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+(\w+)", re.I)
_PRAGMA = re.compile(r"^\s*PRAGMA\b", re.I)


def _placeholders(sql: str) -> str:
    """`?` outside string literals and quoted names to `%s`; every `%` doubled."""
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if quote is not None:
            if ch == quote:
                quote = None
            out.append("%%" if ch == "%" else ch)
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


def _scalar_max_min(sql: str) -> str:
    """SQLite's max(a, b) / min(a, b) of two values (not the aggregates) as greatest/least."""
    out, pos = [], 0
    for m in _MAX_MIN.finditer(sql):
        if m.start() < pos:
            continue
        depth, i, comma = 1, m.end(), False
        while i < len(sql) and depth:
            ch = sql[i]
            depth += (ch == "(") - (ch == ")")
            comma = comma or (ch == "," and depth == 1)
            i += 1
        if comma:
            out.append(sql[pos : m.start()])
            out.append("greatest(" if m[1].lower() == "max" else "least(")
            pos = m.end()
    out.append(sql[pos:])
    return "".join(out)


@lru_cache(maxsize=4096)
def translate(sql: str) -> Translated:
    """`sql` (SQLite's dialect, as the repositories write it) in PostgreSQL's."""
    if _PRAGMA.match(sql):
        return Translated("", inserting=False, returning=False, table=None)  # not sent
    for sqlite, postgres in REPLACEMENTS:
        sql = sql.replace(sqlite, postgres)
    table_match = _INSERT_INTO.match(sql)
    returning = bool(_RETURNING.search(sql))
    if _OR_IGNORE.match(sql):
        sql = _OR_IGNORE.sub("INSERT INTO", sql, count=1)
        if returning:
            head, _, tail = sql.rpartition(" RETURNING ")
            sql = f"{head} ON CONFLICT DO NOTHING RETURNING {tail}"
        else:
            sql = f"{sql.rstrip().rstrip(';')} ON CONFLICT DO NOTHING"
    sql = _INDEXED_BY.sub("", sql)
    sql = _CROSS_JOIN_ON.sub(r"JOIN\1", sql)  # SQLite's join-order hint, with an ON
    sql = _IS_PARAM.sub(lambda m: "IS DISTINCT FROM ?" if m[1] else "IS NOT DISTINCT FROM ?", sql)
    sql = _scalar_max_min(sql)
    sql = _UNARY_PLUS.sub("", sql)
    sql = _TEMP_SCHEMA.sub(
        "pg_temp.", sql
    )  # the session's temporary tables  # `+column`: SQLite's hint not to use an index
    sql = _LIKE.sub("ILIKE", sql)
    sql = _BARE_BOOL.sub(lambda m: f"{m[1]} {'TRUE' if m[2] == '1' else 'FALSE'}", sql)
    return Translated(
        _placeholders(sql),
        inserting=table_match is not None,
        returning=returning,
        table=table_match[1].lower() if table_match else None,
    )
