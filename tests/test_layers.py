"""The import contract of the design card, checked over the source's syntax trees.

    cli.py | streaming  ->  service  ->  transcoder | catalog  ->  scheduler  ->  errors

Every import counts, at the top of a module or inside a function. `errors` is the
bottom-level module every package may use; the scheduler uses nothing else of
sabaq's; the transcoder uses the catalogue's package contract but not its
database; the server and the command line reach the database, the jobs and the
engines only through `service/`; `cli.py` imports nothing but the service layer,
the server's entry point, click, rich and the standard library.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = ("catalog", "cli", "errors", "scheduler", "service", "streaming", "transcoder")
CONTRACT_MODULES = (  # the catalogue's package contract: files, names, formats; no database
    "catalog.captions",
    "catalog.files",
    "catalog.hls",
    "catalog.layout",
    "catalog.playlists",
    "catalog.publishing",
    "catalog.retime",
    "catalog.transport",
)
DATABASE = ("sqlalchemy", "alembic", "psycopg", "catalog.db", "catalog.models")
MAY_IMPORT = {
    "errors": (),
    "scheduler": ("errors",),
    "catalog": ("errors", "scheduler"),
    "transcoder": ("errors", "scheduler", *CONTRACT_MODULES),
    "service": ("errors", "scheduler", "catalog", "transcoder"),
    "streaming": ("errors", "scheduler", "service", *CONTRACT_MODULES),
    "cli": ("service", "streaming.serve"),
}
"""What each layer may import of sabaq (a module, or a package and all below it)."""
CLI_THIRD_PARTY = ("click", "rich")
STDLIB = tuple(sys.stdlib_module_names)


def _modules(root: Path) -> Iterator[tuple[str, Path]]:
    for name in OURS:
        single = root / f"{name}.py"
        if single.exists():
            yield name, single
        for path in sorted((root / name).rglob("*.py")) if (root / name).is_dir() else []:
            if "migrations" not in path.parts:
                yield name, path


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module in OURS:  # `from catalog import db` imports catalog.db
                for alias in node.names:
                    yield node.lineno, f"{node.module}.{alias.name}"
            else:
                yield node.lineno, node.module


def _within(module: str, allowed: tuple[str, ...]) -> bool:
    return any(module == a or module.startswith(a + ".") for a in allowed)


def breaches(root: Path) -> list[str]:
    """Every import in the tree at `root` that the contract forbids, as path:line: why."""
    found = []
    for layer, path in _modules(root):
        where = path.relative_to(root)
        for line, module in _imports(path):
            top = module.split(".")[0]
            if layer in ("transcoder", "streaming", "cli") and _within(module, DATABASE):
                found.append(f"{where}:{line}: {layer} reaches the database ({module})")
            elif top in OURS and top != layer and not _within(module, MAY_IMPORT[layer]):
                found.append(f"{where}:{line}: {layer} may not import {module}")
            elif layer == "cli" and top not in (*OURS, *CLI_THIRD_PARTY, *STDLIB):
                found.append(f"{where}:{line}: cli imports {module}")
    return found


def test_the_tree_keeps_the_import_contract():
    assert breaches(ROOT) == []


def test_the_contract_catches_upward_and_database_imports(tmp_path):
    (tmp_path / "scheduler").mkdir()
    (tmp_path / "scheduler" / "x.py").write_text("from catalog.errors import BadInput\n")
    (tmp_path / "transcoder").mkdir()
    (tmp_path / "transcoder" / "jobs.py").write_text(
        "def f():\n    from catalog import Catalog\n    from catalog.models import Lesson\n"
    )
    (tmp_path / "streaming").mkdir()
    (tmp_path / "streaming" / "serve.py").write_text("from transcoder.processes import x\n")
    (tmp_path / "cli.py").write_text("import sqlalchemy\nfrom catalog.jobs import x\nimport yaml\n")
    found = "\n".join(breaches(tmp_path))
    assert "scheduler/x.py:1: scheduler may not import catalog.errors" in found
    assert "transcoder/jobs.py:2: transcoder may not import catalog.Catalog" in found
    assert "transcoder/jobs.py:3: transcoder reaches the database (catalog.models)" in found
    assert "streaming/serve.py:1: streaming may not import transcoder.processes" in found
    assert "cli.py:1: cli reaches the database (sqlalchemy)" in found
    assert "cli.py:2: cli may not import catalog.jobs" in found
    assert "cli.py:3: cli imports yaml" in found
