"""Opening the catalogue: engine, sessions and automatic migrations."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DataError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from errors import BadInput, Busy, SabaqError, Unavailable

MIGRATIONS = Path(__file__).with_name("migrations")
CONNECT_TIMEOUT_S = 5  # a PostgreSQL server that does not answer a connection attempt
POOL_TIMEOUT_S = 10  # waiting for a pooled connection another thread holds
STATEMENT_TIMEOUT_S = 120.0  # one statement; batches of a 50,000-lesson import take seconds


def default_database_url(data_dir: Path) -> str:
    """The URL in force: SABAQ_DATABASE_URL, else a SQLite file in the data directory."""
    url = os.environ.get("SABAQ_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{(data_dir / 'sabaq.sqlite3').resolve()}"


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


class Catalog:
    """An opened catalogue: hands out sessions and knows its schema version."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except (OperationalError, DataError) as exc:
            _rollback(session)
            raise database_error(exc) from exc
        except BaseException:
            _rollback(session)
            raise
        finally:
            session.close()

    def migrate(self, revision: str = "head") -> None:
        """Upgrade the schema to `revision` (head by default)."""
        config = _alembic_config(self.engine)
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def downgrade(self, revision: str = "base") -> None:
        """Downgrade the schema to `revision` (empty by default)."""
        config = _alembic_config(self.engine)
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, revision)

    def revision(self) -> str | None:
        """The schema revision the database is at, or None when empty."""
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def head(self) -> str | None:
        """The newest revision the code knows."""
        return ScriptDirectory.from_config(_alembic_config(self.engine)).get_current_head()

    def ping(self) -> None:
        """One round trip to the database; Unavailable when it cannot be made."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as exc:
            raise database_error(exc) from exc

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _rollback(session: Session) -> None:
    # When the connection is gone the rollback fails too; closing releases what is left.
    with contextlib.suppress(SQLAlchemyError):
        session.rollback()


SQLITE_BUSY, SQLITE_LOCKED = 5, 6
# PostgreSQL SQLSTATEs of a writer meeting another: lock_not_available,
# serialization_failure, deadlock_detected, query_canceled (a statement timeout).
POSTGRES_BUSY = {"55P03", "40001", "40P01", "57014"}


def database_error(exc: OperationalError | DataError) -> SabaqError:
    """The error tree's reading of a database error: a refused value is bad input,
    another writer holding a lock is busy, anything else means unavailable.

    Told apart by the drivers' error codes, never by their (localised) text."""
    original = exc.orig
    reason = str(original).strip().splitlines()[0] if original is not None else str(exc)
    if isinstance(exc, DataError):
        return BadInput(f"the database refused a value: {reason}")
    sqlite_code = getattr(original, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int) and sqlite_code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED):
        return Busy("the catalogue is busy: another command is writing to it; try again")
    if getattr(original, "sqlstate", None) in POSTGRES_BUSY:
        return Busy(f"the catalogue is busy ({reason}); try again")
    return Unavailable(f"database error: {reason}")


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def open_catalog(
    url: str,
    *,
    migrate: bool = True,
    schema: str | None = None,
    wait_s: float = 0.0,
    on_retry: Callable[[str, float], None] | None = None,
    statement_timeout_s: float = STATEMENT_TIMEOUT_S,
) -> Catalog:
    """Open the catalogue at `url`, creating and migrating it on first use.

    On PostgreSQL every statement is cancelled by the server after
    `statement_timeout_s` (Busy: "try again"), so a lock or a runaway query never
    holds a connection for ever.

    `schema` (PostgreSQL only) confines every table to that schema, which
    lets tests share one database without seeing each other's rows. A database
    that does not answer is tried again with exponential backoff for up to
    `wait_s` seconds (`on_retry` hears the reason and the delay), then the
    BadInput says why.
    """
    delay, waited = 0.5, 0.0
    while True:
        try:
            return _open(url, migrate, schema, statement_timeout_s)
        except Unavailable as exc:
            if waited + delay > wait_s:
                raise
            if on_retry is not None:
                on_retry(str(exc), delay)
            time.sleep(delay)
            waited += delay
            delay = min(delay * 2, 10.0)


def _open(url: str, migrate: bool, schema: str | None, statement_timeout_s: float) -> Catalog:
    connect_args: dict[str, Any] = {}
    pooling: dict[str, Any] = {}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):  # new: readable by its owner only
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    else:
        options = [f"-csearch_path={schema}"] if schema is not None else []
        if url.startswith("postgresql"):
            options.append(f"-cstatement_timeout={round(statement_timeout_s * 1000)}")
            if "connect_timeout" not in url:
                # libpq waits as long as the OS lets a connection attempt hang (~130 s)
                connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
        if options:
            connect_args["options"] = " ".join(options)
        pooling["pool_timeout"] = POOL_TIMEOUT_S
    try:
        engine = create_engine(url, connect_args=connect_args, **pooling)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise BadInput(f"database URL {url!r} cannot be used: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    catalog = Catalog(engine)
    if migrate:
        try:
            catalog.migrate()
        except OperationalError as exc:
            engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            shown = engine.url.render_as_string(hide_password=True)
            raise Unavailable(f"database {shown} is unavailable: {reason}") from exc
    return catalog
