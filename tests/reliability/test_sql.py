"""SQL is always parameterised; text from files never becomes part of a statement.

Two halves. A static check reads every module under ``gui/`` and looks at
each SQL call (``execute``, ``executemany``, ``executescript``, sqlite-utils'
``query``, ``db[...]``, ``table(...)`` and the ``*_where`` helpers): its SQL
must be a literal, or built only from literals, module-level constants and
the few pieces listed in ``ALLOWED`` (each with the reason it is safe, and
each checked). A dynamic check then feeds injection strings through every
way text reaches the file (a race with such handles, CSV and JSON Lines
imports with such handles, sources, notes and column names) and finds the
schema untouched and every string stored as written.
"""

from __future__ import annotations

import ast
import csv
import json
import sqlite3
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from photofinish.core.jobs.exports import export_csv, export_events_csv
from photofinish.core.jobs.imports import import_file
from photofinish.core.model import (
    KIND_NOTE,
    ORIGIN_USER,
    Competitor,
    Event,
    Race,
    Snapshot,
    SourceConfig,
)
from photofinish.core.store import Store

GUI = Path(__file__).resolve().parents[2] / "gui"

SQL_METHODS = {"execute", "executemany", "executescript", "query", "execute_returning_dicts"}
# sqlite-utils calls whose first argument becomes a table name (on a Database)…
IDENTIFIER_METHODS = {"table", "view"}
# …or a WHERE clause (on a table, however it was reached).
WHERE_METHODS = {"rows_where", "delete_where", "count_where", "search"}


@dataclass(frozen=True)
class Allowed:
    """A piece interpolated into SQL that is safe, and why (and how the test checks it)."""

    why: str
    # A parameter is safe only when every call passes a literal: (function name, argument index).
    callers_pass_literals: tuple[str, int] | None = None


# (module, function, the interpolated expression as written) -> why it is safe.
ALLOWED: dict[tuple[str, str, str], Allowed] = {
    ("core/store/race.py", "RaceTable.update_race", "key"): Allowed(
        "a column name checked against the fixed set of race columns before the loop "
        "(test_fields_outside_the_fixed_columns_are_refused)"
    ),
    ("core/store/race.py", "RaceTable.update_competitor", "key"): Allowed(
        "a column name checked against the fixed set of competitor columns before the loop "
        "(test_fields_outside_the_fixed_columns_are_refused)"
    ),
    ("core/store/derived.py", "DerivedTable._auto_rows", "columns"): Allowed(
        "a private helper's column list; every caller passes a literal",
        callers_pass_literals=("_auto_rows", 0),
    ),
    ("core/store/events.py", "EventsTable._events_where", "condition"): Allowed(
        "a WHERE clause with ? placeholders; every caller passes a literal",
        callers_pass_literals=("_events_where", 0),
    ),
    ("core/store/checks.py", "_quick_check", "table"): Allowed(
        "a name from the module's constant _SMALL_TABLES (the list of checks is that "
        "constant filtered by what the file has, never a name read from the file)"
    ),
    ("core/store/schema.py", "_series_blocks", "statement"): Allowed(
        "one statement of _BLOCKS, the module's own constant, split by sqlite3.complete_statement"
    ),
    ("core/store/readings.py", "ReadingsTable.insert_rows", "INSERT_TRIGGER"): Allowed(
        "the trigger's name, a constant of .schema (the bulk insert sets the trigger aside)"
    ),
    ("core/store/readings.py", "ReadingsTable.insert_rows", "INSERTED"): Allowed(
        "the trigger as .schema writes it, a constant there (put back after the bulk insert)"
    ),
    ("core/store/schema.py", "_analysis_follows_edits", "statement"): Allowed(
        "one statement of _EDITS, the module's own constant, split by sqlite3.complete_statement"
    ),
    ("core/store/schema.py", "_readable_answers", "statement"): Allowed(
        "one statement of _ANSWERS, the module's own constant, split by sqlite3.complete_statement"
    ),
}


@dataclass
class Finding:
    where: str
    line: int
    problem: str


class SqlChecker:
    """Finds SQL built from anything but literals, constants and the allowed pieces."""

    def __init__(self, allowed: dict[tuple[str, str, str], Allowed]) -> None:
        self.allowed = allowed
        self.used: set[tuple[str, str, str]] = set()
        self.findings: list[Finding] = []
        self.calls = 0

    # -- a module ------------------------------------------------------------------------
    def check(self, name: str, source: str) -> None:
        tree = ast.parse(source)
        constants = self._module_constants(tree)
        self._walk(name, tree, constants, [], None)

    @staticmethod
    def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
        """Names assigned once at module level, with the value they get."""
        seen: dict[str, list[ast.expr]] = {}
        for node in tree.body:
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            for target in targets:
                if isinstance(target, ast.Name) and value is not None:
                    seen.setdefault(target.id, []).append(value)
        return {name: values[0] for name, values in seen.items() if len(values) == 1}

    def _walk(self, module, node, constants, stack, function) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                qual = ".".join([*stack, child.name])
                self._walk(module, child, constants, [*stack, child.name], (qual, child))
            elif isinstance(child, ast.ClassDef):
                self._walk(module, child, constants, [*stack, child.name], function)
            else:
                if isinstance(child, ast.Call):
                    self._check_call(module, child, constants, function)
                elif isinstance(child, ast.Subscript):
                    self._check_subscript(module, child, constants, function)
                self._walk(module, child, constants, stack, function)

    # -- calls -----------------------------------------------------------------------------
    def _check_call(self, module, call: ast.Call, constants, function) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        if func.attr in SQL_METHODS:
            sql = call.args[0] if call.args else _keyword(call, "sql")
        elif func.attr in IDENTIFIER_METHODS and _looks_like_db(func.value):
            sql = call.args[0] if call.args else _keyword(call, "name")
        elif func.attr in WHERE_METHODS:
            sql = call.args[0] if call.args else _keyword(call, "where")
        else:
            return
        if sql is None:
            return
        self.calls += 1
        self._require_safe(module, sql, constants, function, f".{func.attr}()")

    def _check_subscript(self, module, node: ast.Subscript, constants, function) -> None:
        if _looks_like_db(node.value):  # db["table"]: the key becomes an identifier
            self.calls += 1
            self._require_safe(module, node.slice, constants, function, "db[...]")

    def _require_safe(self, module, expr, constants, function, what: str) -> None:
        problem = self._unsafe(module, expr, constants, function, depth=0)
        if problem:
            qual = function[0] if function else "<module>"
            self.findings.append(Finding(f"{module}:{qual} {what}", expr.lineno, problem))

    # -- what SQL may be made of ---------------------------------------------------------------
    def _unsafe(self, module, expr, constants, function, depth: int) -> str | None:
        """None when ``expr`` is SQL built only from safe parts, else what is wrong."""
        if depth > 20:
            return "too deep to follow"
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return None
        if isinstance(expr, ast.JoinedStr):
            for part in expr.values:
                if isinstance(part, ast.FormattedValue):
                    problem = self._piece(module, part.value, constants, function, depth)
                    if problem:
                        return problem
            return None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return self._unsafe(module, expr.left, constants, function, depth + 1) or (
                self._unsafe(module, expr.right, constants, function, depth + 1)
            )
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
            left = self._unsafe(module, expr.left, constants, function, depth + 1)
            pieces = expr.right.elts if isinstance(expr.right, ast.Tuple) else [expr.right]
            return left or next(
                (
                    p
                    for p in (self._piece(module, x, constants, function, depth) for x in pieces)
                    if p
                ),
                None,
            )
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr == "format"
        ):
            base = self._unsafe(module, expr.func.value, constants, function, depth + 1)
            args = [*expr.args, *(k.value for k in expr.keywords)]
            return base or next(
                (
                    p
                    for p in (self._piece(module, x, constants, function, depth) for x in args)
                    if p
                ),
                None,
            )
        if isinstance(expr, ast.IfExp):
            return self._unsafe(module, expr.body, constants, function, depth + 1) or (
                self._unsafe(module, expr.orelse, constants, function, depth + 1)
            )
        if isinstance(expr, ast.Name):
            return self._name(module, expr, constants, function, depth, as_sql=True)
        return f"SQL built from {ast.unparse(expr)!r}"

    def _piece(self, module, expr, constants, function, depth: int) -> str | None:
        """An interpolated piece: a module constant, a literal, or an allowed expression."""
        if isinstance(expr, ast.Constant):
            return None
        if isinstance(expr, ast.Name) and expr.id in constants and expr.id.isupper():
            return None
        key = (module, function[0] if function else "<module>", ast.unparse(expr))
        if key in self.allowed:
            self.used.add(key)
            return None
        if isinstance(expr, ast.Name):
            # A local built from literals (say, a conditional INDEXED BY) is fine too.
            return self._name(module, expr, constants, function, depth, as_sql=False)
        return f"{ast.unparse(expr)!r} interpolated into SQL"

    def _name(self, module, expr: ast.Name, constants, function, depth, as_sql: bool) -> str | None:
        name = expr.id
        key = (module, function[0] if function else "<module>", name)
        if key in self.allowed:
            self.used.add(key)
            return None
        if function is not None:
            values = _local_values(function[1], name)
            if values is not None:
                for value in values:
                    problem = self._unsafe(module, value, constants, function, depth + 1)
                    if problem:
                        return problem
                return None
        if name in constants:
            return self._unsafe(module, constants[name], constants, None, depth + 1)
        how = "as SQL" if as_sql else "interpolated into SQL"
        return f"{name!r} (not a literal, a constant or an allowed piece) {how}"


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _looks_like_db(node: ast.expr) -> bool:
    """``db``, ``self.db``, ``store.db``…: a sqlite-utils Database."""
    if isinstance(node, ast.Name):
        return node.id == "db"
    return isinstance(node, ast.Attribute) and node.attr == "db"


def _local_values(function: ast.FunctionDef, name: str) -> list[ast.expr] | None:
    """Every value a local gets in a function (None when it is a parameter or loop variable)."""
    params = {a.arg for a in [*function.args.args, *function.args.kwonlyargs]}
    if name in params:
        return None
    values: list[ast.expr] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                values.append(node.value)
            elif any(
                isinstance(t, ast.Tuple)
                and any(isinstance(e, ast.Name) and e.id == name for e in t.elts)
                for t in node.targets
            ):
                return None  # unpacked from something: not followed
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if node.target.id == name and node.value is not None:
                values.append(node.value)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            if node.target.id == name:
                values.append(node.value)
        elif isinstance(node, ast.For | ast.comprehension | ast.With | ast.NamedExpr):
            bound = (
                [node.target]
                if not isinstance(node, ast.With)
                else [i.optional_vars for i in node.items]
            )
            if any(isinstance(b, ast.Name) and b.id == name for b in bound if b is not None):
                return None
    return values or None


def _modules() -> dict[str, str]:
    return {
        str(path.relative_to(GUI)): path.read_text(encoding="utf-8")
        for path in sorted(GUI.rglob("*.py"))
    }


def _literal_callers(modules: dict[str, str], function: str, index: int) -> list[str]:
    """Calls of ``function`` whose argument ``index`` is not a string literal."""
    bad = []
    for name, source in modules.items():
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute | ast.Name)
                and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
                == function
            ):
                arg = node.args[index] if len(node.args) > index else None
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    bad.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    return bad


# -- the static check ----------------------------------------------------------------------------


def test_every_sql_statement_in_the_app_is_literal_or_built_from_safe_pieces():
    modules = _modules()
    checker = SqlChecker(ALLOWED)
    for name, source in modules.items():
        checker.check(name, source)
    assert not checker.findings, "\n".join(
        f"gui/{f.where} (line {f.line}): {f.problem}" for f in checker.findings
    )
    # It looked at the app's SQL (the store alone runs dozens of statements)…
    assert checker.calls >= 60, checker.calls
    # …and every allowance is still needed: a stale one would let something else through.
    assert checker.used == set(ALLOWED), set(ALLOWED) - checker.used
    for key, allowance in ALLOWED.items():
        if allowance.callers_pass_literals is not None:
            function, index = allowance.callers_pass_literals
            assert not _literal_callers(modules, function, index), (key, allowance.why)


BAD_SNIPPETS = {
    "f-string": 'def f(db, value):\n    db.execute(f"SELECT * FROM t WHERE x = {value}")',
    "percent": 'def f(conn, value):\n    conn.execute("SELECT * FROM t WHERE x = %s" % value)',
    "format": 'def f(conn, v):\n    conn.executemany("DELETE FROM t WHERE x = {}".format(v), [])',
    "concatenation": 'def f(db, name):\n    db.execute("SELECT * FROM " + name)',
    "variable": 'def f(db, name):\n    sql = "SELECT * FROM t WHERE h = \'" + name + "\'"\n'
    "    db.execute(sql)",
    "augmented": 'def f(db, name):\n    sql = "SELECT 1"\n    sql += name\n    db.execute(sql)',
    "parameter": "def f(db, sql):\n    db.execute(sql)",
    "script": "def f(db, text):\n    db.executescript(text)",
    "table name": "def f(db, handle):\n    db[handle].insert({'a': 1})",
    "sqlite-utils where": "def f(store, h):\n    store.db['t'].rows_where(f\"h = '{h}'\")",
    "allowed name elsewhere": "class Store:\n    def other(self, key):\n"
    '        self.db.execute(f"UPDATE race SET {key} = ?", [1])',
}


@pytest.mark.parametrize("snippet", BAD_SNIPPETS.values(), ids=BAD_SNIPPETS.keys())
def test_the_check_catches_sql_built_from_values(snippet):
    checker = SqlChecker(ALLOWED)
    checker.check("core/store.py", textwrap.dedent(snippet))
    assert checker.calls >= 1
    assert checker.findings, f"not caught:\n{snippet}"


def test_the_check_accepts_parameters_and_constants():
    good = textwrap.dedent(
        """
        LIMIT = 10
        _SQL = "SELECT * FROM t WHERE x = ?"
        def f(db, value, flag):
            db.execute("SELECT * FROM t WHERE x = ?", [value])
            db.execute(_SQL, [value])
            db.execute(f"SELECT * FROM t LIMIT {LIMIT}")
            sql = "SELECT * FROM t"
            sql += " WHERE x = ?"
            index = " INDEXED BY i" if flag else ""
            db.execute(sql + index, [value])
        """
    )
    checker = SqlChecker({})
    checker.check("core/example.py", good)
    assert checker.calls == 4 and not checker.findings, checker.findings


# -- the dynamic check --------------------------------------------------------------------------

INJECTIONS = [
    "x'); DROP TABLE snapshots;--",
    "Robert'); DROP TABLE events; --",
    "'; DELETE FROM competitors WHERE '1'='1",
    '" OR "1"="1',
    "`tick`; DROP TABLE race; --",
    "]bracket[; DROP TABLE sources; --",
    "name] = 1; DROP TABLE view_state; --[",
    "%_%",
    "?",
    ":handle",
    "\\' OR 1=1 --",
    "\u202eevil",
]
T0 = 1_700_000_000_000


def _schema(path: Path) -> list[tuple]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
    finally:
        conn.close()


def _intact(path: Path, schema: list[tuple]) -> sqlite3.Connection:
    assert _schema(path) == schema
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    return conn


def test_injection_strings_as_handles_names_notes_and_sources_are_stored_as_written(tmp_path):
    path = tmp_path / "inject.pfrace"
    competitors = [Competitor(h, f"name {h}", "") for h in INJECTIONS]
    store = Store.create(path, Race(INJECTIONS[0], 1000, INJECTIONS[1], "UTC"), competitors)
    schema = _schema(path)
    for i, handle in enumerate(INJECTIONS):
        store.append([Snapshot(T0 + i * 1000 + k, handle, 10 + k, source=handle) for k in range(3)])
        store.add_event(Event(T0 + i, KIND_NOTE, handle, handle, handle, ORIGIN_USER, key=handle))
        store.save_source(SourceConfig(handle, handle, 60, True, handle))
        store.update_competitor(handle, name=handle)
    store.update_race(title=INJECTIONS[2], platform=INJECTIONS[3])
    store.set_view_state({h: h for h in INJECTIONS})
    events = [e for e in store.events() if e.text == INJECTIONS[0]]
    assert [e.text for e in events] == [INJECTIONS[0]]
    assert [s.handle for s in store.snapshots(INJECTIONS[4])] == [INJECTIONS[4]] * 3
    store.close()

    conn = _intact(path, schema)
    try:
        assert [r[0] for r in conn.execute("SELECT handle FROM competitors ORDER BY id")] == (
            INJECTIONS
        )
        assert [r[0] for r in conn.execute("SELECT name FROM competitors ORDER BY id")] == (
            INJECTIONS
        )
        assert {r[0] for r in conn.execute("SELECT source FROM snapshots")} == set(INJECTIONS)
        assert conn.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 3 * len(INJECTIONS)
        rows = conn.execute(
            "SELECT text, url, key FROM events WHERE origin = 'user' ORDER BY id"
        ).fetchall()
        assert rows == [(h, h, h) for h in INJECTIONS]
        assert [r[0] for r in conn.execute("SELECT spec FROM sources ORDER BY id")] == INJECTIONS
        assert conn.execute("SELECT title, platform FROM race").fetchone() == (
            INJECTIONS[2],
            INJECTIONS[3],
        )
        state = dict(conn.execute("SELECT key, value FROM view_state").fetchall())
        assert all(state[h] == h for h in INJECTIONS)
    finally:
        conn.close()

    # Out and back in: the export holds the strings as written, and imports as them.
    with Store.open(path, read_only=True) as store:
        export_csv(store, tmp_path / "out.csv")
        export_events_csv(store.events(), store_zone(), {}, tmp_path / "events.csv")
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8") as fh:
        exported = list(csv.DictReader(fh))
    assert {r["competitor"] for r in exported} == set(INJECTIONS)
    assert {r["source"] for r in exported} == set(INJECTIONS)
    copy = tmp_path / "copy.pfrace"
    Store.create(copy, Race("copy", 1000), [Competitor("a", "a", ""), Competitor("b", "b", "")])
    copy_schema = _schema(copy)
    with Store.open(copy) as store:
        report = import_file(store, tmp_path / "out.csv")
    assert report.imported == 3 * len(INJECTIONS) and report.competitors_added == INJECTIONS
    _intact(copy, copy_schema).close()


def store_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("UTC")


def test_imports_with_injection_handles_sources_notes_and_column_names(tmp_path):
    path = tmp_path / "imported.pfrace"
    Store.create(path, Race("Imports", 1000), [Competitor("a", "A", ""), Competitor("b", "B", "")])
    schema = _schema(path)

    readings = tmp_path / "readings.csv"
    with readings.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        # Extra columns named like SQL: they are not used, and never reach a statement.
        writer.writerow(["timestamp", "competitor", "count", "source", *INJECTIONS[:4]])
        for i, handle in enumerate(INJECTIONS):
            writer.writerow(
                [f"2023-11-14T22:{i:02d}:00Z", handle, 100 + i, INJECTIONS[-1 - i], "", "", "", ""]
            )
    notes = tmp_path / "notes.jsonl"
    lines = []
    for i, text in enumerate(INJECTIONS):
        lines.append(
            {
                "timestamp": f"2023-11-14T23:{i:02d}:00Z",
                "competitor": text,
                "count": 500 + i,
                "source": text,
                text: text,  # a key named like SQL, too
            }
        )
        lines.append(
            {
                "timestamp": f"2023-11-14T23:{i:02d}:30Z",
                "text": text,
                "url": text,
                "competitor": INJECTIONS[0],
                text: 1,
            }
        )
    notes.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")

    with Store.open(path) as store:
        first = import_file(store, readings)
        second = import_file(store, notes)
    assert first.imported == len(INJECTIONS) and first.skipped == []
    assert first.competitors_added == INJECTIONS
    assert second.imported == len(INJECTIONS) and second.annotations == len(INJECTIONS)
    assert second.skipped == [] and second.competitors_added == []

    conn = _intact(path, schema)
    try:
        handles = [r[0] for r in conn.execute("SELECT handle FROM competitors ORDER BY id")]
        assert handles == ["a", "b", *INJECTIONS]
        stored = conn.execute(
            "SELECT c.handle, s.count, s.source FROM snapshots s"
            " JOIN competitors c ON c.id = s.competitor_id ORDER BY s.at_ms"
        ).fetchall()
        expected = [(h, 100 + i, INJECTIONS[-1 - i]) for i, h in enumerate(INJECTIONS)]
        expected += [(h, 500 + i, h) for i, h in enumerate(INJECTIONS)]
        assert stored == expected
        notes_stored = conn.execute(
            "SELECT e.text, e.url, c.handle FROM events e"
            " LEFT JOIN competitors c ON c.id = e.competitor_id"
            " WHERE e.origin = 'imported' ORDER BY e.at_ms"
        ).fetchall()
        assert notes_stored == [(t, t, INJECTIONS[0]) for t in INJECTIONS]
        # Nothing else came in: no table, column or row named after the file's columns.
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert not tables & set(INJECTIONS)
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("update_race", {"title = 'x' WHERE 1; DROP TABLE race; --": "x"}),
        ("update_race", {"title": "fine", "milestone = 1, title": "x"}),
        ("update_competitor", {"name = 'x'; DROP TABLE competitors; --": "x"}),
        ("update_competitor", {"position = 0; DROP TABLE snapshots; --": 1}),
    ],
)
def test_fields_outside_the_fixed_columns_are_refused(tmp_path, method, kwargs):
    path = tmp_path / "fields.pfrace"
    store = Store.create(
        path, Race("Fields", 1000), [Competitor("a", "A", ""), Competitor("b", "B", "")]
    )
    before = _schema(path)
    args = ["a"] if method == "update_competitor" else []
    with pytest.raises(ValueError, match="unknown"):
        getattr(store, method)(*args, **kwargs)
    assert store.race().title == "Fields"
    assert [c.handle for c in store.competitors()] == ["a", "b"]
    assert [c.name for c in store.competitors()] == ["A", "B"]
    store.close()
    assert _schema(path) == before
