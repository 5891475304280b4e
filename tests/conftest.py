"""Shared fixtures: catalogues on SQLite and (when configured) PostgreSQL, sample media."""

from __future__ import annotations

import os
import socket
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from catalog import Catalog, open_catalog

LOCAL_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
"""The server the project's machines and CI run (DESIGN.md); used when no URL is given."""
BACKENDS = ["sqlite", "postgresql"]
PG_ABSENT = (
    "PostgreSQL tests skipped: SABAQ_TEST_DATABASE_URL is not set and nothing answers at "
    "127.0.0.1:5432 (database test, user postgres)"
)


def _local_postgres() -> str | None:
    """The local server's URL when it answers, else None."""
    engine = create_engine(LOCAL_PG_URL, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return LOCAL_PG_URL
    except Exception:
        return None
    finally:
        engine.dispose()


PG_URL = os.environ.get("SABAQ_TEST_DATABASE_URL") or _local_postgres()


def sabaq_command() -> list[str]:
    """How tests run `sabaq` in a process of its own: the entry point installed beside
    this Python (what a user runs), else the module."""
    script = Path(sys.executable).with_name("sabaq")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


def answers_tcp(url: str, timeout: float = 2.0) -> bool:
    """Whether something accepts connections at the URL's host and port."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout):
            return True
    except OSError:
        return False


def service_url(variable: str, default: str, what: str) -> str:
    """The URL of a service tests need (Redis, ...): the environment's `variable`, which
    then must answer (a CI that sets it and cannot reach it fails, never skips), else
    `default` when something answers there, else the test is skipped, saying why."""
    given = os.environ.get(variable)
    if given:
        if not answers_tcp(given):
            pytest.fail(f"{what} at {variable}={given} does not answer", pytrace=False)
        return given
    if not answers_tcp(default):
        pytest.skip(f"{what} tests skipped: {variable} is not set and nothing answers at {default}")
    return default


def _postgres_schema() -> Iterator[tuple[str, str]]:
    if not PG_URL:
        pytest.skip(PG_ABSENT)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # the server is configured but down: say so, loudly
        admin.dispose()
        pytest.fail(f"PostgreSQL at {PG_URL} is unreachable: {exc}")
    try:
        yield PG_URL, schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """(url, schema) of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.sqlite3'}", None
    else:
        yield from _postgres_schema()


@pytest.fixture
def catalog(database: tuple[str, str | None]) -> Iterator[Catalog]:
    """A migrated, empty catalogue on each backend."""
    url, schema = database
    opened = open_catalog(url, schema=schema)
    yield opened
    opened.dispose()


@pytest.fixture
def sqlite_catalog(tmp_path: Path) -> Iterator[Catalog]:
    """A migrated, empty SQLite catalogue (for tests that are not about the backend)."""
    opened = open_catalog(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    yield opened
    opened.dispose()


PROBLEM = {
    "timezone": "Asia/Almaty",
    "start_date": "2026-09-01",
    "end_date": "2026-09-30",
    "weekdays": [1, 2, 3, 4, 5],
    "holidays": ["2026-09-02"],
    "break_s": 60,
    "channels": [
        {"id": "al-farabi", "name": "Әл-Фараби", "window": ["09:00", "18:00"], "languages": ["kk"]},
        {"id": "el-arna", "name": "Ел Арна", "window": ["09:00", "18:00"], "languages": ["ru"]},
    ],
    "audiences": [
        {"grade": 1, "language": "kk", "window": ["09:00", "13:00"], "max_daily_s": 3000}
    ],
    "series": [
        {
            "id": "kk-01-math",
            "grade": 1,
            "subject": "math",
            "language": "kk",
            "title": "Математика 1",
        },
        {
            "id": "kk-05-math",
            "grade": 5,
            "subject": "math",
            "language": "kk",
            "title": "Математика 5",
            "max_per_day": 2,
        },
        {
            "id": "ru-05-math",
            "grade": 5,
            "subject": "math",
            "language": "ru",
            "title": "Математика 5 (рус)",
        },
    ],
    "lessons": [
        {
            "id": "a1",
            "series": "kk-01-math",
            "episode": 1,
            "duration_s": 1500,
            "title": "Бөлшектер: ә ғ қ ң ө ұ ү һ і",
        },
        {"id": "a2", "series": "kk-01-math", "episode": 2, "duration_s": 1500, "title": "Қосу"},
        {"id": "a3", "series": "kk-01-math", "episode": 3, "duration_s": 1500, "title": "Азайту"},
        {
            "id": "b1",
            "series": "kk-05-math",
            "episode": 1,
            "duration_s": 1800,
            "title": '<Теңдеу> & "шешім"',
        },
        {"id": "b2", "series": "kk-05-math", "episode": 2, "duration_s": 1800, "title": "Б2"},
        {"id": "b3", "series": "kk-05-math", "episode": 3, "duration_s": 1800, "title": "Б3"},
        {
            "id": "c1",
            "series": "ru-05-math",
            "episode": 1,
            "duration_s": 1800,
            "title": "Дроби",
            "signed": True,
        },
    ],
    "pins": [{"lesson": "c1", "channel": "el-arna", "start": "2026-09-01T10:00:00+05:00"}],
}


@pytest.fixture
def problem_data() -> dict[str, object]:
    """A small valid problem document (a deep copy, free to change)."""
    import copy

    return copy.deepcopy(PROBLEM)


@pytest.fixture
def buggy_variant(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """A problem large enough for the staged solver, one of whose heuristic variants
    ("buggy") offers every lesson on the first day, each channel's lessons on top of
    each other: fewer days than any valid schedule, so unless the checker turns it
    down it wins. The problem's document is returned."""
    from scheduler import solver
    from scheduler.generate import generate

    data = generate(solver.WHOLE_TERM_LIMIT + 50, 2, seed=6)
    honest = solver.run_variants

    def with_a_bug(problem, variants, deadline, processes):  # type: ignore[no-untyped-def]
        yield from honest(problem, variants[:1], deadline, processes)
        crammed = {}
        for lesson in problem.lessons:
            grade, language = problem.audience_of(lesson).key
            channel = next(
                c.id for c in problem.channels if language in c.languages and grade in c.grades
            )
            crammed[lesson.id] = (0, 9 * 3600, channel)
        yield "buggy", crammed, 0.0

    monkeypatch.setattr(solver, "run_variants", with_a_bug)
    return data
