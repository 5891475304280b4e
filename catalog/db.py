"""Opening the catalogue: engine, sessions and automatic migrations."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
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
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import (
    DataError,
    DisconnectionError,
    OperationalError,
    SQLAlchemyError,
    StatementError,
)
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import NotFinite
from errors import BadInput, Busy, SabaqError, Unavailable

MIGRATIONS = Path(__file__).with_name("migrations")
CONNECT_TIMEOUT_S = 5  # a PostgreSQL server that does not answer a connection attempt
POOL_TIMEOUT_S = 10  # waiting for a pooled connection another thread holds
STATEMENT_TIMEOUT_S = 120.0  # one statement; batches of a 50,000-lesson import take seconds
IDLE_IN_TRANSACTION_S = 60.0  # the server ends a transaction whose client went quiet
# TCP's own view of a dead peer (libpq): probes after 10 s idle, every 5 s, 3 lost = dead;
# data unacknowledged for 15 s = dead. A black hole that still acknowledges (a relay, a
# proxy) is found by the deadlines below instead.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 15_000,
}


class Deadline:
    """The time one piece of database work has, shared between the thread doing it and
    the caller waiting for it.

    When the caller stops waiting it calls `abort()`: from then on the work cannot
    commit (`Catalog.session` checks before COMMIT), and the connections it holds are
    cut under it (their sockets shut down; SQLite's call interrupted), so a thread
    blocked on a silent peer wakes at once, and the pool discards those connections
    instead of handing them out again.

    A COMMIT already sent cannot be called back: whether it took effect is then known
    only to the database. The deadline records it (`committing`, then `outcome`), so
    the caller can wait for it a little longer, and otherwise say that the change may
    have been stored instead of claiming that nothing was.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.expires = clock() + seconds
        self._aborted = False
        self._lock = threading.Lock()
        self._connections: list[Any] = []  # DBAPI connections checked out under it
        self._committing = False  # a COMMIT is on its way to the database
        self._committed = False  # a COMMIT under this deadline took effect
        self._in_doubt = False  # aborted while a COMMIT was on its way

    @property
    def expired(self) -> bool:
        """Whether the work may no longer commit."""
        return self._aborted or self._clock() >= self.expires

    @property
    def committing(self) -> bool:
        """Whether a COMMIT has been sent and has not answered yet."""
        return self._committing

    @property
    def outcome(self) -> str:
        """What the work did to the database, as far as this side knows: "nothing",
        "committed" (at least one COMMIT took effect) or "in doubt" (it was aborted
        while a COMMIT was on its way)."""
        with self._lock:
            if self._in_doubt:
                return "in doubt"
            return "committed" if self._committed else "nothing"

    def begin_commit(self) -> bool:
        """Note that a COMMIT is about to be sent; False (send nothing) once the work may
        no longer commit."""
        with self._lock:
            if self.expired:
                return False
            self._committing = True
            return True

    def end_commit(self, committed: bool) -> None:
        """The COMMIT answered (`committed`) or failed."""
        with self._lock:
            self._committing = False
            self._committed = self._committed or committed

    def attach(self, dbapi_connection: Any) -> None:
        """Note a connection the work took (cut when it is aborted)."""
        with self._lock:
            self._connections.append(dbapi_connection)
            aborted = self._aborted
        if aborted:
            _cut(dbapi_connection)

    def detach(self, dbapi_connection: Any) -> None:
        """The work gave a connection back."""
        with self._lock, contextlib.suppress(ValueError):
            self._connections.remove(dbapi_connection)

    def abort(self) -> None:
        """Give up on the work: it never commits, and its connections are cut."""
        with self._lock:
            self._aborted = True
            self._in_doubt = self._in_doubt or self._committing
            held = list(self._connections)
        for connection in held:
            _cut(connection)


def _cut(dbapi_connection: Any) -> None:
    """Wake whatever waits on this connection, from another thread, and leave it unusable."""
    interrupt = getattr(dbapi_connection, "interrupt", None)
    if interrupt is not None:  # sqlite3: thread-safe by design
        with contextlib.suppress(Exception):
            interrupt()
        return
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None:
        return
    try:
        fd = fileno()
    except Exception:  # already closed
        return
    # shutdown acts on the socket itself (not the descriptor): libpq's blocked read
    # returns at once, and the driver reports a broken connection.
    with contextlib.suppress(OSError):
        cut = socket.socket(fileno=os.dup(fd))
        try:
            cut.shutdown(socket.SHUT_RDWR)
        finally:
            cut.close()


NOT_CHANGED = "nothing was changed"
IN_DOUBT = (
    "the change may or may not have been stored: send the same request again, with the "
    "same Idempotency-Key, to find out"
)


def aborted_message(limit: Deadline) -> str:
    """What a caller that gave up on `limit`'s work can truthfully say of the change."""
    return NOT_CHANGED if limit.outcome == "nothing" else IN_DOUBT


_current = threading.local()


@contextmanager
def deadline(limit: Deadline) -> Iterator[Deadline]:
    """Run the block's database work (in this thread) under `limit`."""
    previous = getattr(_current, "deadline", None)
    _current.deadline = limit
    try:
        yield limit
    finally:
        _current.deadline = previous


def current_deadline() -> Deadline | None:
    """The deadline this thread's database work runs under, if any."""
    return getattr(_current, "deadline", None)


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
        limit = current_deadline()
        try:
            yield session
            if limit is None:
                session.commit()
            elif not limit.begin_commit():
                # The caller has stopped waiting (and answered): never commit after that.
                raise Unavailable(f"the catalogue did not answer in time; {NOT_CHANGED}")
            else:
                committed = False
                try:
                    session.commit()
                    committed = True
                finally:
                    limit.end_commit(committed)
        except (OperationalError, DataError) as exc:
            _rollback(session)
            if limit is not None and limit.expired:
                raise Unavailable(
                    f"the catalogue did not answer in time; {aborted_message(limit)}"
                ) from exc
            raise database_error(exc) from exc
        except NotFinite as exc:  # refused before the database saw it (in the driver)
            _rollback(session)
            raise BadInput(f"the database refused a value: {exc}") from exc
        except StatementError as exc:
            _rollback(session)
            if isinstance(exc.orig, NotFinite):  # refused before the database saw it
                raise BadInput(f"the database refused a value: {exc.orig}") from exc
            raise
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


def _strict_json(value: Any) -> str:
    # NaN and infinity are not JSON: refused alike on every database.
    try:
        return json.dumps(value, allow_nan=False)
    except ValueError as exc:
        raise NotFinite(str(exc)) from None


def _checked_out(dialect: Dialect, dbapi_connection: Any, record: Any) -> None:
    """Put the connection under the thread's deadline, then ping it: a connection that
    died while pooled is replaced (the pool tries another), never handed out. This is
    SQLAlchemy's pre-ping done here, after the deadline is attached, so that a ping
    into a silent peer is cut like any other call."""
    limit = current_deadline()
    if limit is not None:
        record.info["deadline"] = limit
        limit.attach(dbapi_connection)
    if dialect.name == "sqlite":  # a file: nothing to ping
        return
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as exc:
        if limit is not None:
            limit.detach(dbapi_connection)
            record.info.pop("deadline", None)
        raise DisconnectionError(str(exc)) from exc


def _checked_in(dbapi_connection: Any, record: Any) -> None:
    limit: Deadline | None = record.info.pop("deadline", None)
    if limit is None:
        return
    limit.detach(dbapi_connection)
    if limit.expired and dbapi_connection is not None:
        # It may have been cut, or be mid-answer from a peer that went silent: never reuse.
        record.invalidate()


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
            idle = round(max(IDLE_IN_TRANSACTION_S, statement_timeout_s) * 1000)
            options.append(f"-cidle_in_transaction_session_timeout={idle}")
            if "connect_timeout" not in url:
                # libpq waits as long as the OS lets a connection attempt hang (~130 s)
                connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
            for key, value in KEEPALIVES.items():
                if key not in url:
                    connect_args[key] = value
        if options:
            connect_args["options"] = " ".join(options)
        pooling["pool_timeout"] = POOL_TIMEOUT_S
    try:
        engine = create_engine(
            url, connect_args=connect_args, json_serializer=_strict_json, **pooling
        )
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise BadInput(f"database URL {url!r} cannot be used: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    event.listen(engine, "checkout", lambda c, r, _p: _checked_out(engine.dialect, c, r))
    event.listen(engine, "checkin", _checked_in)
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
