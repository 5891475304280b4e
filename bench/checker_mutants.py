"""Mutation run on the independent checker's rule code: does any mutant survive?

Each mutant changes one thing in the functions of scheduler/checker.py that decide
whether a rule holds (`_scan`, `_check_overlaps`, `_check_series`, `_check_caps`): a
comparison (< and <=, > and >=, == and !=, in and not in, is and is not), + and -
(also in +=), `and` and `or`, a `not` dropped, an `if` negated, an integer plus one,
a `continue` made `pass`. The mutant replaces checker.py in a copy of the package and
of the scheduler's tests, and the tests given (by default the checker's own module)
run there against it; a mutant survives when they all pass. Prints one JSON object.

    python bench/checker_mutants.py [--tests tests/scheduler/test_checker.py]
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKER = ROOT / "scheduler" / "checker.py"
RULE_CODE = ("_scan", "_check_overlaps", "_check_series", "_check_caps")

SWAPS: dict[type[ast.AST], type[ast.AST]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.And: ast.Or,
    ast.Or: ast.And,
}

Mutation = Callable[[ast.AST], str]


def _mutations(node: ast.AST) -> Iterator[Mutation]:
    """The ways to mutate one node, each a function that mutates it in place and names
    what it did."""
    if isinstance(node, ast.Compare):
        for index, op in enumerate(node.ops):
            if type(op) in SWAPS:

                def swap(n: ast.AST, i: int = index) -> str:
                    assert isinstance(n, ast.Compare)
                    old = n.ops[i]
                    n.ops[i] = SWAPS[type(old)]()
                    return f"{type(old).__name__} -> {type(n.ops[i]).__name__}"

                yield swap
    if isinstance(node, ast.BinOp | ast.AugAssign | ast.BoolOp) and type(node.op) in SWAPS:

        def operator(n: ast.AST) -> str:
            assert isinstance(n, ast.BinOp | ast.AugAssign | ast.BoolOp)
            old = n.op
            n.op = SWAPS[type(old)]()  # type: ignore[assignment]
            return f"{type(old).__name__} -> {type(n.op).__name__}"

        yield operator
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):

        def drop_not(n: ast.AST) -> str:
            assert isinstance(n, ast.UnaryOp)
            n.op = ast.UAdd()  # `+x` of a bool: the `not` is gone
            return "not dropped"

        yield drop_not
    if isinstance(node, ast.If):

        def negate(n: ast.AST) -> str:
            assert isinstance(n, ast.If)
            n.test = ast.UnaryOp(ast.Not(), n.test)
            return "if negated"

        yield negate
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    ):

        def plus_one(n: ast.AST) -> str:
            assert isinstance(n, ast.Constant)
            n.value += 1
            return f"{n.value - 1} -> {n.value}"

        yield plus_one
    if isinstance(node, ast.Continue):
        yield lambda n: "continue -> pass"


def _rule_nodes(tree: ast.Module) -> list[ast.AST]:
    """The nodes of the rule functions, in a fixed order (the same on every copy)."""
    found: list[ast.AST] = []
    for item in tree.body:
        if isinstance(item, ast.FunctionDef) and item.name in RULE_CODE:
            for statement in item.body:
                found.extend(ast.walk(statement))
    return found


def mutants(source: str) -> Iterator[tuple[int, str, str]]:
    """(line, what changed, mutated source) of every mutant of the rule code."""
    tree = ast.parse(source)
    for index, node in enumerate(_rule_nodes(tree)):
        for mutate in _mutations(node):
            copied = copy.deepcopy(tree)
            target = _rule_nodes(copied)[index]
            if isinstance(target, ast.Continue):
                parent = next(
                    p
                    for p in ast.walk(copied)
                    for field in ("body", "orelse")
                    if target in getattr(p, field, [])
                )
                for field in ("body", "orelse"):
                    block = getattr(parent, field, [])
                    if target in block:
                        block[block.index(target)] = ast.Pass()
            what = mutate(target)
            yield getattr(node, "lineno", 0), what, ast.unparse(ast.fix_missing_locations(copied))


def _run_tests(work: Path, tests: list[str]) -> bool:
    """Whether the tests pass in the copy of the project at `work` (run from there, its
    `scheduler` is the one imported)."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0


def _copy(work: Path) -> None:
    """What the scheduler's tests need of the project, copied to `work`."""
    shutil.copytree(ROOT / "scheduler", work / "scheduler", ignore=IGNORED)
    shutil.copytree(ROOT / "tests" / "scheduler", work / "tests" / "scheduler", ignore=IGNORED)
    for name in ("errors.py", "pyproject.toml", "tests/__init__.py", "tests/conftest.py"):
        shutil.copy(ROOT / name, work / name)


IGNORED = shutil.ignore_patterns("__pycache__")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tests", nargs="+", default=["tests/scheduler/test_checker.py"])
    options = parser.parse_args()
    source = CHECKER.read_text(encoding="utf-8")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        _copy(work)
        target = work / "scheduler" / "checker.py"
        # The copy must be what the tests import: unmutated it passes, broken it fails.
        if not _run_tests(work, options.tests):
            raise SystemExit("the tests fail on the unmutated checker")
        target.write_text("raise ImportError('mutant')\n", encoding="utf-8")
        if _run_tests(work, options.tests):
            raise SystemExit("the tests do not import the package copy")
        survivors, total = [], 0
        for line, what, mutated in mutants(source):
            total += 1
            target.write_text(mutated, encoding="utf-8")
            if _run_tests(work, options.tests):
                survivors.append({"line": line, "mutation": what})
                print(json.dumps(survivors[-1]), file=sys.stderr, flush=True)
    print(
        json.dumps(
            {
                "benchmark": "checker-mutants",
                "rule_code": list(RULE_CODE),
                "tests": options.tests,
                "mutants": total,
                "killed": total - len(survivors),
                "survived": survivors,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
