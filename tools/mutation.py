"""Mutation testing of the code the app's safety rests on: `make mutation`.

    uv run python -m tools.mutation [TARGET ...] [--jobs N] [--only TEXT] [--survivors]
        [--list] [--report]

Each target is some code (whole modules, or named functions and constants of one) and the
test files that cover it (TARGETS below). Its mutants are small realistic changes to that
code: a comparison's boundary or sense (`<` → `<=`, `in` → `not in`), `and` ↔ `or` or one
side of it dropped, a number ±1 (±0.1 below 1), `True` ↔ `False`, an arithmetic operator,
`min` ↔ `max`, `ceil` ↔ `floor`, a guard `if …: return/raise` dropped, a call statement
dropped, one element dropped from a literal set/tuple/list (a method or scheme forgotten).

How it runs, per target: one pytest process (SQLite in memory) runs the target's tests once,
recording with sys.monitoring which lines of the mutated code each test reaches. For each
mutant a forked child compiles the changed module and swaps the new code into the live
function objects (`__code__`): every reference to them (imports, decorators' closures, the
URLconf) runs the mutant, decorated and nested functions included. Module constants are
re-evaluated in the module. The child then runs the tests that reach the changed line,
fastest first, and stops at the first failure. Killed: a test failed, or it ran past the
time limit. Survived: every test passed. Not covered: no test reaches it (a survivor too).

Why not mutmut 3: it skips decorated functions (the API's views, the rate limiter's wrapper)
and module constants (the anchoring thresholds), exactly where the mutants that matter are.
cosmic-ray starts a test process per mutant (~10 s of Django set-up each here).

Every survivor must be explained in tools/mutation_equivalent.toml (why it cannot change
behaviour) or killed by a new test; the run fails if a target scores under 90% or leaves
a survivor unexplained. Results go to docs/mutation.md, one section per target.
"""

from __future__ import annotations

import argparse
import ast
import copy
import gc
import importlib
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "tools" / "mutation_equivalent.toml"
DOC = ROOT / "docs" / "mutation.md"
RESULTS = ROOT / ".mutation"  # the last run's results per target (git-ignored)
THRESHOLD = 0.90
_ALIVE = ("survived", "not covered", "unviable", "not run")


@dataclass(frozen=True)
class Part:
    """Code to mutate: a file, and the functions/classes/constants of it (all if empty)."""

    path: str
    scope: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    title: str
    parts: tuple[Part, ...]
    tests: tuple[str, ...]


# The tests are the files that exercise the code directly; browser tests are left out (a
# live server's threads do not survive a fork, and the unit tests are what should pin it).
TARGETS: dict[str, Target] = {
    "sanitizer": Target(
        "Sanitizer (newsreader/sanitizer/)",
        (
            Part("newsreader/sanitizer/allowlists.py"),
            Part("newsreader/sanitizer/cleaning.py"),
            Part("newsreader/sanitizer/fastpath.py"),
            Part("newsreader/sanitizer/html5.py"),
        ),
        (
            "tests/newsreader/test_sanitizer.py",
            "tests/newsreader/test_sanitizer_fastpath_grid.py",
            "tests/newsreader/test_sanitizer_mutants.py",
            "tests/articles/test_ingest_text_contract.py",
        ),
    ),
    "ratelimit": Target(
        "Rate limits (newsreader/ratelimit.py)",
        (Part("newsreader/ratelimit.py"),),
        ("tests/newsreader/test_ratelimit.py",),
    ),
    "api": Target(
        "API permissions (annotations/api.py)",
        (
            Part(
                "annotations/api.py",
                (
                    "UNSAFE",
                    "api_view",
                    "_signed_in",
                    "_visible",
                    "_story_for",
                    "_parent",
                    "_create",
                    "_create_reply",
                    "_check_etag",
                    "_update",
                    "container",
                    "item",
                    "reply",
                ),
            ),
        ),
        (
            "tests/annotations/test_api.py",
            "tests/annotations/test_api_permissions.py",
            "tests/annotations/test_tokens.py",
            "tests/annotations/test_idempotency.py",
            "tests/annotations/test_permission_matrix.py",
            "tests/annotations/test_restore.py",
            "tests/annotations/test_w3c.py",
            "tests/newsreader/test_bad_input.py",
            "tests/newsreader/test_request_limits.py",
        ),
    ),
    "visibility": Target(
        "Model visibility (annotations/models.py, annotations/sharing.py, articles/models.py)",
        (
            Part(
                "annotations/models.py",
                (
                    "SHAREABLE",
                    "AnnotationQuerySet.visible_to",
                    "AnnotationQuerySet.shareable",
                    "Annotation.is_private",
                    "Annotation.has_share_menu",
                    "Annotation.is_shareable",
                    "Annotation.is_link_only",
                    "Annotation.can_edit",
                    "Annotation.show_to",
                    "Annotation.is_own",
                    "Annotation.move_to",
                    "relocate",
                    "Reply.can_delete",
                    "on_a_story_the_author_sees",
                    "visibility_choices",
                    "check_visibility",
                    "Annotation.clean",
                    "Annotation.save",
                ),
            ),
            Part(
                "annotations/sharing.py",
                ("SharedView.unlisted", "SharedView.card", "_story_for", "resolve_share"),
            ),
            Part(
                "articles/models.py",
                (
                    "SourceQuerySet.for_sources_page",
                    "Source.may_be_managed_by",
                    "StoryQuerySet.shared",
                    "StoryQuerySet.visible_to",
                    "Story.is_own_copy",
                    "Story.is_visible_to",
                ),
            ),
        ),
        (
            "tests/annotations/test_models.py",
            "tests/annotations/test_reanchor.py",
            "tests/annotations/test_permission_matrix.py",
            "tests/annotations/test_sharing_permissions.py",
            "tests/annotations/test_sharing.py",
            "tests/articles/test_views_sources.py",
            "tests/articles/test_story_ownership.py",
        ),
    ),
    "fetch": Target(
        "Fetch address checks (articles/ingest/fetch.py)",
        (
            Part(
                "articles/ingest/fetch.py",
                (
                    "_NOT_PUBLIC_V4",
                    "_NOT_PUBLIC_V6",
                    "_IPV4_MAPPED",
                    "_NAT64",
                    "is_public_address",
                    "_parse_ip_literal",
                    "_allowed_hosts",
                    "_resolve",
                    "_parse",
                    "_check",
                    "check_url",
                ),
            ),
        ),
        ("tests/articles/test_ingest_fetch.py",),
    ),
    # Last: annotations/anchoring.py is the code most likely to change under this harness.
    "anchoring": Target(
        "Anchoring (annotations/anchoring.py)",
        (Part("annotations/anchoring.py"),),
        (
            "tests/annotations/test_anchoring_thresholds.py",
            "tests/annotations/test_anchoring.py",
            "tests/annotations/test_reanchor.py",
            "tests/annotations/test_models.py",
            "tests/annotations/test_anchoring_corpus.py",
            "tests/annotations/test_anchoring_context.py",
            "tests/annotations/test_anchoring_diff.py",
            "tests/annotations/test_anchoring_survey.py",
        ),
    ),
}


# --- Mutants ----------------------------------------------------------------------------


@dataclass
class Mutant:
    path: str  # repository-relative
    qualname: str  # function (or constant) that holds the change
    chain: list[tuple[str, int]]  # (co_qualname, co_firstlineno) of the enclosing functions
    lines: tuple[int, int]
    reach: list[int]  # lines of the file whose tests can see the change
    index: int  # the node's position in walk()
    variant: int  # which of the node's mutations
    label: str
    id: str = ""
    status: str = ""
    tests_run: int = 0
    seconds: float = 0.0
    # A constant's readers in the target's other files (a package's modules import each
    # other's allowlists): (repository-relative path, line).
    reach_elsewhere: list[tuple[str, int]] = field(default_factory=list)

    @property
    def constant(self) -> bool:
        return not self.chain


_COMPARE_SWAPS: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
}
_BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
}
_CALL_SWAPS = {
    "min": "max",
    "max": "min",
    "any": "all",
    "all": "any",
    "ceil": "floor",
    "floor": "ceil",
    "startswith": "endswith",
    "endswith": "startswith",
}
# Calls whose removal changes nothing a test should pin.
_QUIET_CALLS = {"debug", "info", "warning", "error", "exception", "print", "warn"}


def _short(node: ast.AST, width: int = 70) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _node_mutations(
    node: ast.AST, *, listing: bool = False
) -> list[tuple[str, Callable[[ast.AST], ast.AST]]]:
    """(label, make) pairs; make(node) returns the node that takes its place. `listing`: the
    node is a list of allowed/refused things (a constant, or the right side of `in`), whose
    elements may each be forgotten."""
    out: list[tuple[str, Callable[[ast.AST], ast.AST]]] = []

    def changed(make: Callable[[Any], ast.AST]) -> None:
        new = make(copy.deepcopy(node))
        out.append((f"{_short(node)} → {_short(new)}", make))

    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for swap in _COMPARE_SWAPS.get(type(op), ()):

                def make(n: ast.Compare, i: int = i, swap: type[ast.cmpop] = swap) -> ast.AST:
                    n.ops[i] = swap()
                    return n

                changed(make)
    elif isinstance(node, ast.BoolOp):

        def flip(n: ast.BoolOp) -> ast.AST:
            n.op = ast.Or() if isinstance(n.op, ast.And) else ast.And()
            return n

        changed(flip)
        for i in range(len(node.values)):

            def drop(n: ast.BoolOp, i: int = i) -> ast.AST:
                del n.values[i]
                return n.values[0] if len(n.values) == 1 else n

            changed(drop)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        changed(lambda n: n.operand)
    elif isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in _BINOP_SWAPS:

        def swap_op(n: ast.BinOp | ast.AugAssign) -> ast.AST:
            n.op = _BINOP_SWAPS[type(n.op)]()
            return n

        changed(swap_op)
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        changed(lambda n: ast.Constant(not n.value))
    elif isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        value = node.value
        step = 0.1 if isinstance(value, float) and 0 < abs(value) <= 1 else 1
        for new in (value + step, value - step):
            rounded = round(new, 6) if isinstance(new, float) else new

            def renumber(n: ast.AST, rounded: float = rounded) -> ast.AST:
                return ast.Constant(rounded)

            changed(renumber)
    elif isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in _CALL_SWAPS:

            def swap_call(n: ast.Call) -> ast.AST:
                if isinstance(n.func, ast.Attribute):
                    n.func.attr = _CALL_SWAPS[n.func.attr]
                elif isinstance(n.func, ast.Name):
                    n.func.id = _CALL_SWAPS[n.func.id]
                return n

            changed(swap_call)
    elif isinstance(node, ast.Set | ast.Tuple | ast.List) and listing:
        elements = node.elts
        if len(elements) >= 2 and all(
            isinstance(e, ast.Constant | ast.Attribute) for e in elements
        ):
            for i in range(len(elements)):

                def drop_element(n: ast.Set | ast.Tuple | ast.List, i: int = i) -> ast.AST:
                    del n.elts[i]
                    return n

                label = f"{_short(node, 40)} without {_short(elements[i], 40)}"
                out.append((label, drop_element))  # type: ignore[arg-type]
    elif isinstance(node, ast.If | ast.IfExp):
        test = node.test
        if not isinstance(test, ast.Compare | ast.BoolOp | ast.UnaryOp):

            def negate(n: ast.If | ast.IfExp) -> ast.AST:
                n.test = ast.UnaryOp(ast.Not(), n.test)
                return n

            out.append(
                (
                    f"{_short(test)} → not {_short(test)}",
                    lambda n: negate(n),  # type: ignore[arg-type]
                )
            )
        if (
            isinstance(node, ast.If)
            and not node.orelse
            and isinstance(node.body[-1], ast.Return | ast.Raise | ast.Continue | ast.Break)
        ):
            out.append((f"drop the guard `if {_short(test, 60)}:`", lambda n: ast.Pass()))
    elif (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and _call_name(node.value) not in _QUIET_CALLS
    ):
        out.append((f"drop the call `{_short(node)}`", lambda n: ast.Pass()))
    return out


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _children(node: ast.AST) -> Iterator[tuple[str, int | None, ast.AST]]:
    for name, value in ast.iter_fields(node):
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ast.AST):
                    yield name, i, item
        elif isinstance(value, ast.AST):
            yield name, None, value


@dataclass
class _Site:
    node: ast.AST
    parent: ast.AST
    field: str
    position: int | None
    qualname: str  # Python's qualname of the function holding it, or the constant's name
    chain: list[tuple[str, int]]  # (qualname, first line) of the enclosing functions
    owner: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | None

    @property
    def listing(self) -> bool:
        parent = self.parent
        membership = (
            isinstance(parent, ast.Compare)
            and self.field == "comparators"
            and isinstance(parent.ops[self.position or 0], ast.In | ast.NotIn)
        )
        return membership or not self.chain


def _in_scope(qualname: str, scope: tuple[str, ...]) -> bool:
    return not scope or any(qualname == s or qualname.startswith(s + ".") for s in scope)


def _constant_name(statement: ast.stmt) -> str | None:
    """The name a module-level constant assignment (NAME = …) binds, else None."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target: ast.expr = statement.targets[0]
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        target = statement.target
    else:
        return None
    if isinstance(target, ast.Name) and target.id.lstrip("_").isupper():
        return target.id
    return None


_SKIPPED_FIELDS = {"annotation", "returns", "decorator_list", "type_comment"}


def _sites(tree: ast.Module, scope: tuple[str, ...]) -> list[_Site]:
    """Every node in scope that may be mutated, in an order that is the same on every parse.

    Left alone: decorators, default values and annotations (evaluated once, at import),
    f-strings (messages), docstrings, and class bodies other than their methods.
    """
    sites: list[_Site] = []

    def visit(
        node: ast.AST,
        parent: ast.AST,
        field_name: str,
        position: int | None,
        where: str,
        chain: list[tuple[str, int]],
        owner: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | None,
    ) -> None:
        if isinstance(node, ast.JoinedStr):
            return
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            enter(node, f"{where}.<locals>", chain)
            return
        if isinstance(node, ast.ClassDef):
            for child in node.body:
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    enter(child, f"{where}.<locals>.{node.name}", chain)
            return
        if isinstance(node, ast.Lambda):
            qualname = f"{where}.<locals>.<lambda>" if chain else "<lambda>"
            inner = [*chain, (qualname, node.lineno)]
            visit(node.body, node, "body", None, qualname, inner, node)
            return
        sites.append(_Site(node, parent, field_name, position, where, chain, owner))
        for name, pos, sub in _children(node):
            if name not in _SKIPPED_FIELDS:
                visit(sub, node, name, pos, where, chain, owner)

    def enter(
        node: ast.FunctionDef | ast.AsyncFunctionDef, outer: str, chain: list[tuple[str, int]]
    ) -> None:
        qualname = f"{outer}.{node.name}" if outer else node.name
        if not _in_scope(qualname, scope):
            return
        # A decorated function's code starts at its first decorator.
        first = min([d.lineno for d in node.decorator_list] + [node.lineno])
        for i, statement in enumerate(node.body):
            visit(statement, node, "body", i, qualname, [*chain, (qualname, first)], node)

    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            enter(statement, "", [])
        elif isinstance(statement, ast.ClassDef):
            for child in statement.body:
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    enter(child, statement.name, [])
        else:
            name = _constant_name(statement)
            value = getattr(statement, "value", None)
            if name and value is not None and _in_scope(name, scope):
                visit(value, statement, "value", None, name, [], None)
    return sites


def _constant_reach(tree: ast.Module, names: set[str] | None = None) -> dict[str, set[int]]:
    """For each module constant (or each of ``names``, which the module may import), the
    lines inside functions that read it (or a constant derived from it): a test reaching
    one of them can see the constant change."""
    reads: dict[str, set[int]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for node in ast.walk(statement):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    reads.setdefault(node.id, set()).add(node.lineno)
    derived: dict[str, set[str]] = {}
    for statement in tree.body:
        name = _constant_name(statement)
        value = getattr(statement, "value", None)
        if name and value is not None:
            for node in ast.walk(value):
                if isinstance(node, ast.Name):
                    derived.setdefault(node.id, set()).add(name)
    reach: dict[str, set[int]] = {}
    wanted = names if names is not None else {n for n in map(_constant_name, tree.body) if n}
    for name in wanted:
        seen, todo, lines = {name}, [name], set()
        while todo:
            current = todo.pop()
            lines |= reads.get(current, set())
            for other in derived.get(current, set()) - seen:
                seen.add(other)
                todo.append(other)
        reach[name] = lines
    return reach


_SOURCES: dict[str, str] = {}


def _source(part: Part) -> str:
    """The file as the run found it: an edit during a run must not shift the mutants."""
    if part.path not in _SOURCES:
        _SOURCES[part.path] = (ROOT / part.path).read_text(encoding="utf-8")
    return _SOURCES[part.path]


def generate(part: Part) -> list[Mutant]:
    source = _source(part)
    tree = ast.parse(source)
    constant_reach = _constant_reach(tree)
    mutants: list[Mutant] = []
    for index, site in enumerate(_sites(tree, part.scope)):
        node = site.node
        lines = (getattr(node, "lineno", 0), getattr(node, "end_lineno", 0) or 0)
        if site.chain:
            reach = list(range(lines[0], lines[1] + 1))
        else:
            reach = sorted(constant_reach.get(site.qualname, set()))
        for variant, (label, _make) in enumerate(_node_mutations(node, listing=site.listing)):
            mutants.append(
                Mutant(
                    path=part.path,
                    qualname=site.qualname,
                    chain=site.chain,
                    lines=lines,
                    reach=reach,
                    index=index,
                    variant=variant,
                    label=label,
                )
            )
    seen: dict[str, int] = {}
    for mutant in mutants:
        base = f"{mutant.qualname}: {mutant.label}"
        seen[base] = seen.get(base, 0) + 1
        mutant.id = base if seen[base] == 1 else f"{base} ({seen[base]})"
    return mutants


def generate_target(target: Target) -> list[Mutant]:
    """The mutants of every part; a constant's are run against the tests that reach its
    readers in the other parts too (a name imported from the mutated module)."""
    mutants = [m for part in target.parts for m in generate(part)]
    trees = {part.path: ast.parse(_source(part)) for part in target.parts}
    for mutant in mutants:
        if not mutant.constant:
            continue
        for path, tree in trees.items():
            if path == mutant.path or not _imports_name(tree, mutant.qualname):
                continue
            lines = _constant_reach(tree, {mutant.qualname}).get(mutant.qualname, set())
            mutant.reach_elsewhere += [(path, line) for line in sorted(lines)]
    return mutants


def _imports_name(tree: ast.Module, name: str) -> bool:
    return any(
        isinstance(node, ast.ImportFrom) and any(alias.name == name for alias in node.names)
        for node in tree.body
    )


def mutated_tree(part: Part, mutant: Mutant) -> ast.Module:
    tree = ast.parse(_source(part))
    site = _sites(tree, part.scope)[mutant.index]
    _label, make = _node_mutations(site.node, listing=site.listing)[mutant.variant]
    owner = site.owner
    # The live closures keep their cells: the mutant must read the same free variables,
    # so every name the function read is still read, in code that never runs.
    names = sorted(
        {n.id for n in ast.walk(owner) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        if owner is not None
        else set()
    )
    new = make(site.node)
    ast.copy_location(new, site.node)
    if site.position is None:
        setattr(site.parent, site.field, new)
    else:
        getattr(site.parent, site.field)[site.position] = new
    if names and owner is not None:
        kept = ast.Tuple([ast.Name(n, ast.Load()) for n in names], ast.Load())
        if isinstance(owner, ast.Lambda):
            owner.body = ast.IfExp(ast.Constant(True), owner.body, kept)
        else:
            owner.body.append(ast.If(ast.Constant(False), [ast.Expr(kept)], []))
    return ast.fix_missing_locations(tree)


# --- Running (inside the target's pytest process) -----------------------------------------


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


class _Runner:
    """A pytest plugin: the baseline run, then one forked child per mutant."""

    def __init__(
        self, name: str, mutants: list[Mutant], jobs: int, out: Path, budget: float | None
    ) -> None:
        self.name = name
        self.target = TARGETS[name]
        self.mutants = mutants
        self.budget = budget
        self.jobs = jobs
        self.out = out
        self.files = {_real(ROOT / p.path) for p in self.target.parts}
        self.modules: list[types.ModuleType] = []
        self.state: list[tuple[Any, Any]] = []
        self.lines: dict[str, set[tuple[str, int]]] = {}
        self.durations: dict[str, float] = {}
        self.failed: list[str] = []
        self.current: set[tuple[str, int]] | None = None
        self.items: list[Any] = []

    def pytest_collection_finish(self, session: Any) -> None:
        from hypothesis import HealthCheck, Phase, settings

        # The CI profile's fixed examples, without the example database (a mutant's failing
        # example must not be replayed later) and without shrinking (a kill is a kill).
        settings.register_profile(
            "mutation",
            parent=settings.get_profile("ci"),
            database=None,
            phases=(Phase.explicit, Phase.reuse, Phase.generate),
            suppress_health_check=list(HealthCheck),
        )
        settings.load_profile("mutation")
        self.items = list(session.items)
        # Imported now if the tests have not (a URLconf loads views on the first request).
        self.modules = [
            importlib.import_module(p.path.removesuffix(".py").replace("/", "."))
            for p in self.target.parts
        ]
        for part in self.target.parts:
            if (ROOT / part.path).read_text(encoding="utf-8") != _source(part):
                raise SystemExit(f"{part.path} changed while the run started: run it again")
        # Module state as imported (memo dicts, caches), restored in every child: a mutant
        # must not find answers the original code left behind.
        for module in self.modules:
            for value in vars(module).values():
                if type(value) in (dict, list, set):
                    self.state.append((value, copy.copy(value)))

    def pytest_runtest_logreport(self, report: Any) -> None:
        self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration
        if report.failed:
            self.failed.append(report.nodeid)

    def _live_functions(self) -> dict[tuple[str, str, int], list[types.FunctionType]]:
        found: dict[tuple[str, str, int], list[types.FunctionType]] = {}
        for obj in gc.get_objects():
            if isinstance(obj, types.FunctionType):
                filename = _real(obj.__code__.co_filename)
                if filename in self.files:
                    key = (filename, obj.__code__.co_qualname, obj.__code__.co_firstlineno)
                    found.setdefault(key, []).append(obj)
        return found

    def _watch(self) -> None:
        """Record the lines of the target's code each test reaches (LINE events on its code
        objects only, each location disabled after its first event until the next test)."""
        monitoring = sys.monitoring
        tool = monitoring.COVERAGE_ID
        monitoring.use_tool_id(tool, "tools.mutation")

        def on_line(code: types.CodeType, line: int) -> Any:
            if self.current is not None:
                self.current.add((_real(code.co_filename), line))
            return monitoring.DISABLE

        monitoring.register_callback(tool, monitoring.events.LINE, on_line)
        for functions in self._live_functions().values():
            for function in functions:
                for code in _code_objects(function.__code__):
                    monitoring.set_local_events(tool, code, monitoring.events.LINE)

    def _run_tests(self, tests: list[str], *, stop: bool) -> list[str]:
        """Run tests (node ids) in this process; the ones that failed."""
        from _pytest.runner import runtestprotocol

        by_id = {item.nodeid: item for item in self.items}
        failed = []
        for i, nodeid in enumerate(tests):
            # Never None: that would tear the session down (the test database with it).
            nextitem = by_id[tests[i + 1]] if i + 1 < len(tests) else self.items[0]
            reports = runtestprotocol(by_id[nodeid], nextitem=nextitem, log=False)
            if any(report.failed for report in reports):
                failed.append(nodeid)
                if stop:
                    break
        return failed

    def pytest_runtestloop(self, session: Any) -> bool:
        if not self.items:
            raise SystemExit(f"No tests collected for {self.name}")
        self._watch()
        print(f"\n{self.name}: baseline run of {len(self.items)} tests", flush=True)
        for i, item in enumerate(self.items):
            self.current = set()
            sys.monitoring.restart_events()
            nextitem = self.items[i + 1] if i + 1 < len(self.items) else self.items[0]
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            self.lines[item.nodeid] = self.current
        self.current = None
        sys.monitoring.set_events(sys.monitoring.COVERAGE_ID, 0)
        sys.monitoring.free_tool_id(sys.monitoring.COVERAGE_ID)
        if self.failed:
            print(f"{self.name}: tests fail without any mutant: {self.failed[:5]}")
            session.testsfailed = len(self.failed)
            return True

        # The null mutant: each test must pass in a forked child too, or its verdicts lie.
        unusable = self._null_run()
        if unusable:
            print(f"{self.name}: tests that fail in a forked child, left out: {unusable}")
        for nodeid in unusable:
            del self.lines[nodeid]
        self._run_all(self._live_functions())
        self.out.write_text(
            json.dumps(
                {
                    "tests": len(self.items),
                    "unusable": unusable,
                    "mutants": [asdict(m) for m in self.mutants],
                },
                indent=1,
            ),
            encoding="utf-8",
        )
        return True

    def _null_run(self) -> list[str]:
        with tempfile.NamedTemporaryFile("r", suffix=".json") as report:
            pid = os.fork()
            if pid == 0:
                _quiet()
                failed = self._run_tests([item.nodeid for item in self.items], stop=False)
                Path(report.name).write_text(json.dumps(failed), encoding="utf-8")
                os._exit(0)
            _pid, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"{self.name}: the unmutated run crashed in a forked child")
            unusable: list[str] = json.loads(report.read() or "[]")
        return unusable

    def _tests_for(self, mutant: Mutant) -> list[str]:
        path = _real(ROOT / mutant.path)
        wanted = {(path, line) for line in mutant.reach}
        wanted |= {(_real(ROOT / other), line) for other, line in mutant.reach_elsewhere}
        chosen = [n for n, lines in self.lines.items() if lines & wanted]
        return sorted(chosen, key=lambda n: self.durations.get(n, 0.0))

    def _child(self, mutant: Mutant, tests: list[str], live: _Live) -> int:
        """In the forked child: apply the mutant, run the tests; the exit code is the verdict."""
        _quiet()
        for value, saved in self.state:
            if isinstance(value, list):
                value[:] = saved
            else:
                value.clear()
                value.update(saved)
        # Objects built on first use and kept per thread (parsers, bleach Cleaners, Markdown)
        # are built again, by the mutant and from mutated constants.
        for module in self.modules:
            for value in vars(module).values():
                if isinstance(value, threading.local):
                    vars(value).clear()
        try:
            self._apply(mutant, live)
        except Exception:
            return 3
        return 1 if self._run_tests(tests, stop=True) else 0

    def _apply(self, mutant: Mutant, live: _Live) -> None:
        part = next(p for p in self.target.parts if p.path == mutant.path)
        path = _real(ROOT / part.path)
        tree = mutated_tree(part, mutant)
        module = next(m for m in self.modules if _real(m.__file__ or "") == path)
        if mutant.constant:
            before = dict(vars(module))
            changed = _apply_constant(module, tree, mutant.qualname)
            for other_part, other in zip(self.target.parts, self.modules, strict=True):
                if other is module:
                    continue
                # `from .allowlists import X` bound the old object: the mutant's is bound
                # instead, and the importer's constants built from it are built again.
                rebound = {
                    name
                    for name in changed
                    if name in vars(other) and vars(other)[name] is before.get(name)
                }
                for name in rebound:
                    setattr(other, name, getattr(module, name))
                if rebound:
                    other_tree = ast.parse(_source(other_part))
                    for name in rebound:
                        _apply_constant(other, other_tree, name, evaluate_first=False)
        else:
            code = compile(tree, path, "exec")
            new_codes = {(c.co_qualname, c.co_firstlineno): c for c in _code_objects(code)}
            patched = 0
            for qualname, first in mutant.chain:
                for function in live.get((path, qualname, first), []):
                    function.__code__ = new_codes[(qualname, first)]
                    patched += 1
            if not patched:
                raise LookupError(f"no live function for {mutant.chain}")
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()

    def _run_all(self, live: _Live) -> None:
        queue = list(self.mutants)
        if self.budget is not None:
            # A run cut short is a sample: in a fixed random order, not the file's.
            random.Random(0).shuffle(queue)
        deadline = None if self.budget is None else time.monotonic() + 60 * self.budget
        running: dict[int, tuple[Mutant, float, float, int]] = {}
        done, total = 0, len(queue)
        print(f"{self.name}: {total} mutants, {self.jobs} at a time", flush=True)

        def finish(mutant: Mutant) -> None:
            nonlocal done
            done += 1
            if mutant.status in ("survived", "unviable", "not covered"):
                print(f"  [{done}/{total}] {mutant.status}: {mutant.id}", flush=True)
            elif done % 25 == 0:
                print(f"  [{done}/{total}]", flush=True)

        while queue or running:
            if deadline is not None and time.monotonic() > deadline and queue:
                print(f"{self.name}: out of time, {len(queue)} mutants not run", flush=True)
                for mutant in queue:
                    mutant.status = "not run"
                queue = []
            while queue and len(running) < self.jobs:
                mutant = queue.pop(0)
                tests = self._tests_for(mutant)
                if not tests:
                    mutant.status = "not covered"
                    finish(mutant)
                    continue
                expected = sum(self.durations.get(n, 0.0) for n in tests)
                pid = os.fork()
                if pid == 0:
                    os._exit(self._child(mutant, tests, live))
                running[pid] = (mutant, time.monotonic(), 30.0 + 10 * expected, len(tests))
            time.sleep(0.005)
            for pid, (mutant, started, limit, count) in list(running.items()):
                finished, status = os.waitpid(pid, os.WNOHANG)
                elapsed = time.monotonic() - started
                if finished == 0 and elapsed <= limit:
                    continue
                if finished == 0:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    mutant.status = "timeout"
                else:
                    code = os.waitstatus_to_exitcode(status)
                    mutant.status = {0: "survived", 3: "unviable"}.get(code, "killed")
                mutant.tests_run, mutant.seconds = count, round(elapsed, 2)
                del running[pid]
                finish(mutant)


_Live = dict[tuple[str, str, int], list[types.FunctionType]]


def _real(path: str | Path) -> str:
    return os.path.realpath(path)


def _quiet() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


def _apply_constant(
    module: types.ModuleType, tree: ast.Module, name: str, *, evaluate_first: bool = True
) -> set[str]:
    """Re-evaluate the constant, and every later module constant that uses it; the names
    changed. Without ``evaluate_first`` the constant is already set (imported) and only
    the constants that use it are evaluated again."""
    changed = {name}
    started = not evaluate_first
    for statement in tree.body:
        target = _constant_name(statement)
        if target is None or not isinstance(statement, ast.Assign | ast.AnnAssign):
            continue
        assert statement.value is not None
        uses = {n.id for n in ast.walk(statement.value) if isinstance(n, ast.Name)}
        if target == name and evaluate_first:
            started = True
        elif not (started and uses & changed):
            continue
        expression = ast.fix_missing_locations(ast.Expression(statement.value))
        code = compile(expression, module.__file__ or "", "eval")
        setattr(module, target, eval(code, vars(module)))  # noqa: S307
        changed.add(target)
    return changed


def worker(
    name: str, out: Path, jobs: int, only: str | None, ids: Path | None, budget: float | None
) -> int:
    import pytest

    target = TARGETS[name]
    mutants = generate_target(target)
    if only:
        mutants = [m for m in mutants if only in m.id]
    if ids:
        wanted = set(json.loads(ids.read_text(encoding="utf-8")))
        mutants = [m for m in mutants if m.id in wanted]
    args = ["-q", "-p", "no:cacheprovider", "-m", "not browser", *target.tests]
    return int(pytest.main(args, plugins=[_Runner(name, mutants, jobs, out, budget)]))


# --- Reporting ------------------------------------------------------------------------------


@dataclass
class Score:
    name: str
    total: int = 0
    killed: int = 0
    timeout: int = 0
    survived: list[dict[str, Any]] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)
    unviable: int = 0
    not_run: int = 0

    @property
    def value(self) -> float:
        return (self.killed + self.timeout) / self.total if self.total else 0.0


def _equivalents() -> dict[str, dict[str, str]]:
    if not EQUIVALENT.exists():
        return {}
    data = tomllib.loads(EQUIVALENT.read_text(encoding="utf-8"))
    return {
        name: {entry["mutant"]: entry["why"] for entry in entries} for name, entries in data.items()
    }


def score(name: str, results: dict[str, Any]) -> Score:
    why = _equivalents().get(name, {})
    result = Score(name)
    for mutant in results["mutants"]:
        status = mutant["status"]
        if status == "unviable":
            result.unviable += 1
            continue
        if status == "not run":
            result.not_run += 1
            continue
        result.total += 1
        if status == "killed":
            result.killed += 1
        elif status == "timeout":
            result.timeout += 1
        else:
            entry = {**mutant, "why": why.get(mutant["id"], "")}
            result.survived.append(entry)
            if not entry["why"]:
                result.unexplained.append(mutant["id"])
    return result


def section(name: str, result: Score, results: dict[str, Any]) -> str:
    target = TARGETS[name]
    scope = "; ".join(
        f"`{p.path}`" + (f" ({', '.join(p.scope)})" if p.scope else " (all of it)")
        for p in target.parts
    )
    summary = {
        "name": name,
        "score": round(result.value * 100, 1),
        "total": result.total,
        "killed": result.killed + result.timeout,
        "survived": len(result.survived),
        "unexplained": len(result.unexplained),
        "not_run": result.not_run,
    }
    lines = [
        f"## {target.title}",
        "",
        f"<!-- mutation-summary {json.dumps(summary)} -->",
        f"Score **{result.value:.1%}**: {result.killed + result.timeout} of {result.total} "
        f"mutants killed ({result.timeout} by the time limit), {len(result.survived)} survived"
        + (f", {result.unviable} could not be applied" if result.unviable else "")
        + f". {results['tests']} tests, {results['seconds']} s.",
        "",
        *(
            [
                f"**Partial**: out of time (`--budget`) after a random sample of "
                f"{result.total} of the {result.total + result.not_run} mutants; "
                f"{result.not_run} not run.",
                "",
            ]
            if result.not_run
            else []
        ),
        f"Code: {scope}.",
        "",
        f"Tests: {', '.join(f'`{t}`' for t in target.tests)}.",
        "",
    ]
    if results["unusable"]:
        lines += [f"Left out (they fail in a forked child): {results['unusable']}.", ""]
    if result.survived:
        lines += ["| Survivor | Line | Why it is equivalent |", "| --- | --- | --- |"]
        for entry in sorted(result.survived, key=lambda e: (e["path"], e["lines"][0])):
            text = entry["id"].replace("|", "\\|")
            why = (entry["why"] or "**UNEXPLAINED**").replace("|", "\\|")
            if entry["status"] == "not covered":
                why = f"(not covered) {why}"
            lines.append(f"| `{text}` | {entry['path']}:{entry['lines'][0]} | {why} |")
        lines.append("")
    return "\n".join(lines)


def write_doc(name: str, text: str) -> None:
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    sections: dict[str, str] = {}
    for chunk in current.split("\n## ")[1:]:
        # By the summary's target name: a target's title may change (a module became a
        # package), its section is still its own.
        summary = chunk.split("<!-- mutation-summary ", 1)[1:]
        key = json.loads(summary[0].split(" -->", 1)[0])["name"] if summary else None
        if key in TARGETS:
            sections[key] = "## " + chunk.rstrip("\n")
    sections[name] = text.rstrip("\n")
    rows = []
    for key in TARGETS:
        if key not in sections:
            continue
        marker = sections[key].split("<!-- mutation-summary ", 1)[1].split(" -->", 1)[0]
        s = json.loads(marker)
        verdict = "ok" if s["score"] >= THRESHOLD * 100 and not s["unexplained"] else "FAILS"
        if s.get("not_run"):
            verdict += f" (partial: {s['total']} of {s['total'] + s['not_run']} run)"
        rows.append(
            f"| {TARGETS[key].title} | {s['total']} | {s['killed']} | {s['survived']} "
            f"| {s['score']}% | {verdict} |"
        )
    head = [
        "# Mutation testing",
        "",
        "`make mutation` (`python -m tools.mutation`, see its docstring) changes the code the",
        "app's safety rests on in small realistic ways and runs each target's tests against",
        "every change. A target passes at 90% of its mutants killed with every survivor",
        "explained below (why it cannot change behaviour: tools/mutation_equivalent.toml).",
        "",
        f"Last run: {datetime.now(UTC):%Y-%m-%d}, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores.",
        "",
        "| Target | Mutants | Killed | Survived | Score | |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
    ]
    body = "\n\n".join(sections[k] for k in TARGETS if k in sections)
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text("\n".join(head) + "\n" + body + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("targets", nargs="*", metavar="TARGET", help=", ".join(TARGETS))
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATION_JOBS", "1")))
    parser.add_argument("--only", help="Run the mutants whose id contains this (no doc written)")
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="Run again only the last run's survivors (after new tests), keep the other verdicts",
    )
    parser.add_argument("--ids", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--budget",
        type=float,
        metavar="MINUTES",
        help="Stop starting mutants after this long: a random sample's score, marked partial",
    )
    parser.add_argument("--list", action="store_true", help="List the mutants, run nothing")
    parser.add_argument(
        "--report",
        action="store_true",
        help="Rewrite docs/mutation.md from the last run's results (after explaining survivors)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)

    if options.worker:
        return worker(
            options.worker, options.out, options.jobs, options.only, options.ids, options.budget
        )

    names = options.targets or list(TARGETS)
    unknown = set(names) - set(TARGETS)
    if unknown:
        parser.error(
            f"unknown target {', '.join(sorted(unknown))}; choose from {', '.join(TARGETS)}"
        )
    if options.list:
        for name in names:
            for part in TARGETS[name].parts:
                for mutant in generate(part):
                    print(f"{name}\t{mutant.path}:{mutant.lines[0]}\t{mutant.id}")
        return 0

    failing = []
    for name in names:
        stored = RESULTS / f"{name}.json"
        if not options.report:
            previous = json.loads(stored.read_text(encoding="utf-8")) if stored.exists() else None
            if options.survivors and previous is None:
                print(f"{name}: no stored results in {stored}: run it first")
                failing.append(name)
                continue
            started = time.monotonic()
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "results.json"
                # SQLite in memory: each forked child has its own copy of the test database.
                env = {**os.environ, "DATABASE_URL": ""}
                command = [sys.executable, "-m", "tools.mutation", "--worker", name]
                command += ["--out", str(out), "--jobs", str(options.jobs)]
                if options.budget:
                    command += ["--budget", str(options.budget)]
                if options.only:
                    command += ["--only", options.only]
                if options.survivors and previous is not None:
                    ids = Path(tmp) / "ids.json"
                    alive = [m["id"] for m in previous["mutants"] if m["status"] in _ALIVE]
                    ids.write_text(json.dumps(alive), encoding="utf-8")
                    command += ["--ids", str(ids)]
                subprocess.run(command, cwd=ROOT, env=env, check=False)
                if not out.exists():
                    print(f"{name}: no results (see the test output above)")
                    failing.append(name)
                    continue
                results = json.loads(out.read_text(encoding="utf-8"))
            results["seconds"] = round(time.monotonic() - started)
            if options.survivors and previous is not None:
                again = {m["id"]: m for m in results["mutants"]}
                previous["mutants"] = [again.get(m["id"], m) for m in previous["mutants"]]
                previous["seconds"] += results["seconds"]
                results = previous
            if not options.only:
                RESULTS.mkdir(exist_ok=True)
                stored.write_text(json.dumps(results, indent=1), encoding="utf-8")
        elif stored.exists():
            results = json.loads(stored.read_text(encoding="utf-8"))
        else:
            print(f"{name}: no stored results in {stored}: run it first")
            failing.append(name)
            continue
        result = score(name, results)
        print(
            f"{name}: {result.value:.1%} ({result.killed + result.timeout}/{result.total} "
            f"killed), {len(result.survived)} survived, {len(result.unexplained)} unexplained, "
            f"{results['seconds']} s"
        )
        for mutant_id in result.unexplained:
            print(f"    unexplained: {mutant_id}")
        if options.only:
            continue
        write_doc(name, section(name, result, results))
        if result.value < THRESHOLD or result.unexplained or result.not_run:
            failing.append(name)
    if failing:
        print(f"Below {THRESHOLD:.0%} or with unexplained survivors: {', '.join(failing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
