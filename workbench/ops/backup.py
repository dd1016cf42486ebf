"""A consistent copy of the configured database, and putting one back.

SQLite: sqlite3's online backup API copies the database in one step, inside one read transaction, so the
copy is the database as it was at one moment even while the app writes (in rollback-journal mode writers
wait for the copy, with their busy timeout; in WAL mode they go on and the copy is the state at its start).
The copy is written under a temporary name beside the target, checked (PRAGMA integrity_check), synced to
disk and only then renamed: a file with a backup's name is always a whole backup. Restoring is the same API
the other way, from the backup into the configured file, in one write transaction: other connections see the
old database or the restored one, never a mixture.

PostgreSQL: pg_dump --format=custom inside the snapshot of a REPEATABLE READ transaction that also counts the
rows (pg_export_snapshot + --snapshot), so the counts printed are exactly those of the dump. Restoring is
pg_restore --clean --if-exists --single-transaction --exit-on-error into the configured database: all of it
or, on any error, nothing. The connection details reach pg_dump and pg_restore through the environment
(PGHOST, PGUSER, PGPASSWORD...), never on their command line, where any user of the machine could read them.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
#: The file name's ending per engine: a SQLite database, a pg_dump custom-format archive.
EXTENSIONS = {"sqlite": "sqlite3", "postgresql": "dump"}
#: Parameters of a PostgreSQL URL's query string, and the libpq variable that carries each.
_PG_QUERY_VARIABLES = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
}
#: Seconds pg_dump or pg_restore may take before the command gives up.
PG_TOOL_TIMEOUT = 6 * 3600
#: Seconds to wait for SQLite's lock while another connection writes (the copy) or reads (the restore).
SQLITE_BUSY_TIMEOUT = 60


class BackupError(Exception):
    """A backup or restore that could not be made; the message says why and what to do."""


@dataclass(frozen=True)
class Summary:
    """What a backup holds or a restore put back: the file, its size, and the rows of every table."""

    path: Path
    size: int
    rows: dict[str, int]
    #: Tables of the database that the backup does not hold (a restore leaves them as they are).
    untouched: tuple[str, ...] = field(default=())

    @property
    def tables(self) -> int:
        return len(self.rows)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def engine_of(database_uri: str) -> str:
    """The engine, "sqlite" or "postgresql"; BackupError for any other."""
    name = make_url(database_uri).get_backend_name()
    if name not in EXTENSIONS:
        raise BackupError(f"Backups are made of SQLite and PostgreSQL databases, not {name}.")
    return name


def describe(database_uri: str) -> str:
    """The database, for messages: the URL without its password."""
    return make_url(database_uri).render_as_string(hide_password=True)


def file_name(database_uri: str, now: datetime, label: str = "") -> str:
    """workbench-20261204-031500.sqlite3 (.dump for PostgreSQL); a label goes before the time."""
    middle = f"{label}-" if label else ""
    return f"workbench-{middle}{now:%Y%m%d-%H%M%S}.{EXTENSIONS[engine_of(database_uri)]}"


def target_path(path: str | None, folder: Path, database_uri: str, now: datetime, label: str = "") -> Path:
    """Where a backup goes: `path` as typed, or a timestamped file in `path` when it is a folder (an existing
    one, or a path typed with a trailing slash), or in `folder` when no path is given."""
    if not path:
        return folder / file_name(database_uri, now, label)
    if path.endswith(("/", os.sep)) or Path(path).is_dir():
        return Path(path) / file_name(database_uri, now, label)
    return Path(path)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


# --- backup -------------------------------------------------------------------------------------------------


def backup(database_uri: str, target: Path) -> Summary:
    """Copy the database to `target` (which must not exist yet; its folder is made when missing)."""
    engine = engine_of(database_uri)
    if target.exists():
        raise BackupError(f"{target} already exists: a backup never overwrites a file.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with _database_errors(database_uri):
            if engine == "sqlite":
                rows = _sqlite_backup(_sqlite_file(database_uri), partial)
            else:
                rows = _pg_backup(database_uri, partial)
        _sync(partial)
        os.replace(partial, target)
        _sync(target.parent)
    finally:
        partial.unlink(missing_ok=True)
    return Summary(target, target.stat().st_size, rows)


@contextmanager
def _database_errors(database_uri: str) -> Iterator[None]:
    """A database that cannot be reached, or stays locked, is a BackupError that says so."""
    try:
        yield
    except (sqlite3.Error, SQLAlchemyError) as error:
        said = str(getattr(error, "orig", None) or error).strip().splitlines()
        raise BackupError(
            f"{describe(database_uri)}: {said[0] if said else type(error).__name__}."
        ) from error


def _copy_sqlite(source: sqlite3.Connection, target: sqlite3.Connection, what: Path) -> None:
    """The online backup API, in one step (one transaction: one moment of the database). Python's loop
    retries a step that found the database locked for ever; past SQLITE_BUSY_TIMEOUT it is a BackupError."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT

    def progress(status: int, _remaining: int, _total: int) -> None:
        if status in _SQLITE_BUSY and time.monotonic() > deadline:
            raise BackupError(
                f"{what} stayed locked by another connection for {SQLITE_BUSY_TIMEOUT} s: stop the app and "
                f"the mail worker, or try again."
            )

    source.backup(target, pages=-1, progress=progress, sleep=0.05)


_SQLITE_BUSY = frozenset({getattr(sqlite3, "SQLITE_BUSY", 5), getattr(sqlite3, "SQLITE_LOCKED", 6)})


def _sqlite_file(database_uri: str) -> Path:
    database = make_url(database_uri).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"{describe(database_uri)} is not a database file that can be backed up.")
    return Path(database)


def _sqlite_backup(source_file: Path, partial: Path) -> dict[str, int]:
    if not source_file.is_file():
        raise BackupError(f"There is no database at {source_file}: nothing to back up.")
    with (
        closing(sqlite3.connect(source_file, timeout=SQLITE_BUSY_TIMEOUT)) as source,
        closing(sqlite3.connect(partial)) as copy,
    ):
        # pages=-1: one step, so one read transaction, so one moment of the database.
        _copy_sqlite(source, copy, source_file)
        # A copy of a WAL database is marked WAL; a backup is one plain file.
        copy.execute("PRAGMA journal_mode=DELETE")
        _check_sqlite(copy, partial)
        return _sqlite_counts(copy)


def _check_sqlite(conn: sqlite3.Connection, path: Path) -> None:
    result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupError(f"{path} failed SQLite's integrity check: {'; '.join(result[:3])}")


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    # Table names read from the database itself, quoted.
    return {
        name: conn.execute(f'SELECT count(*) FROM "{_quoted(name)}"').fetchone()[0]  # noqa: S608
        for name in names
    }


def _quoted(name: str) -> str:
    return name.replace('"', '""')


def _pg_backup(database_uri: str, partial: Path) -> dict[str, int]:
    pg_dump = _tool("pg_dump")
    with _pg_connection(database_uri) as conn:
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
        _run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--file", str(partial)],
            database_uri,
            "pg_dump",
        )
        return _pg_counts(conn)


def _pg_counts(conn: Connection) -> dict[str, int]:
    names = sorted(inspect(conn).get_table_names())
    # Table names read from the database itself, quoted.
    return {
        name: conn.scalar(text(f'SELECT count(*) FROM "{_quoted(name)}"')) or 0  # noqa: S608
        for name in names
    }


@contextmanager
def _pg_connection(database_uri: str) -> Iterator[Connection]:
    engine = create_engine(database_uri, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            try:
                yield conn
            finally:
                conn.rollback()
    finally:
        engine.dispose()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found: install the PostgreSQL client programs (Debian: postgresql-client, of "
            f"the server's major version or newer)."
        )
    return found


def pg_environment(database_uri: str) -> dict[str, str]:
    """The environment for pg_dump and pg_restore: this process's, with the URL's parts as libpq variables."""
    url: URL = make_url(database_uri)
    variables = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    for key, value in url.query.items():
        if key in _PG_QUERY_VARIABLES:
            variables[_PG_QUERY_VARIABLES[key]] = value if isinstance(value, str) else value[-1]
    env = dict(os.environ)
    env.update({name: str(value) for name, value in variables.items() if value})
    return env


def _run(command: list[str], database_uri: str, name: str) -> str:
    """Run a PostgreSQL client program; what it printed, or BackupError with what it said."""
    try:
        return subprocess.run(  # noqa: S603 - pg_dump/pg_restore found on PATH, arguments of our own
            command,
            env=pg_environment(database_uri),
            check=True,
            capture_output=True,
            text=True,
            timeout=PG_TOOL_TIMEOUT,
        ).stdout
    except subprocess.CalledProcessError as error:
        said = (error.stderr or error.stdout or "").strip().splitlines()
        raise BackupError(f"{name} failed (exit {error.returncode}): {' '.join(said[-3:])}") from error
    except subprocess.TimeoutExpired as error:
        raise BackupError(f"{name} did not finish in {PG_TOOL_TIMEOUT} s.") from error


def _sync(path: Path) -> None:
    """Make the file (or the folder's entries) reach the disk before the backup is called done."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDONLY
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems do not sync folders
    finally:
        os.close(descriptor)


# --- restore ------------------------------------------------------------------------------------------------


def kind_of_file(path: Path) -> str:
    """The engine a backup file is for ("sqlite", "postgresql"), by its first bytes; BackupError if none."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"{path} cannot be read: {error.strerror}.") from error
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is neither a SQLite backup nor a pg_dump archive (custom format).")


def check_source(database_uri: str, source: Path) -> None:
    """Refuse, before anything is touched, a file that is not a whole backup of this engine's Workbench
    database: another engine's, a damaged SQLite file, someone else's database, an unreadable archive."""
    engine = engine_of(database_uri)
    kind = kind_of_file(source)
    if kind != engine:
        raise BackupError(
            f"{source} is a {_ENGINE_NAMES[kind]} backup, but the configured database is "
            f"{_ENGINE_NAMES[engine]}: restore it into the same engine."
        )
    if engine == "sqlite":
        with closing(_read_only(source)) as backup_db:
            _check_sqlite(backup_db, source)
            if "alembic_version" not in _sqlite_counts(backup_db):
                raise BackupError(
                    f"{source} is a SQLite database but not a Workbench one (no alembic_version)."
                )
    else:
        _archived_tables(_run([_tool("pg_restore"), "--list", str(source)], database_uri, "pg_restore"))


_ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def restore(database_uri: str, source: Path) -> Summary:
    """Replace everything in the configured database with the backup `source`. Nobody else should be
    writing (stop the app and the mail worker first): what they write meanwhile is lost or refused."""
    check_source(database_uri, source)
    with _database_errors(database_uri):
        if engine_of(database_uri) == "sqlite":
            rows, untouched = _sqlite_restore(source, _sqlite_file(database_uri))
        else:
            rows, untouched = _pg_restore(database_uri, source)
    return Summary(source, source.stat().st_size, rows, untouched)


def _sqlite_restore(source: Path, live: Path) -> tuple[dict[str, int], tuple[str, ...]]:
    live.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(_read_only(source)) as backup_db,
        closing(sqlite3.connect(live, timeout=SQLITE_BUSY_TIMEOUT)) as live_db,
    ):
        # The whole file is replaced in one write transaction: tables the backup lacks go too.
        _copy_sqlite(backup_db, live_db, live)
        _check_sqlite(live_db, live)
        return _sqlite_counts(live_db), ()


def _pg_restore(database_uri: str, source: Path) -> tuple[dict[str, int], tuple[str, ...]]:
    pg_restore = _tool("pg_restore")
    database = make_url(database_uri).database
    if not database:
        raise BackupError(f"{describe(database_uri)} names no database to restore into.")
    archived = _archived_tables(_run([pg_restore, "--list", str(source)], database_uri, "pg_restore"))
    _run(
        [
            pg_restore, "--clean", "--if-exists", "--single-transaction", "--exit-on-error", "--no-owner",
            "--dbname", database, str(source),
        ],
        database_uri,
        "pg_restore",
    )  # fmt: skip
    with _pg_connection(database_uri) as conn:
        rows = _pg_counts(conn)
    return rows, tuple(sorted(set(rows) - archived))


#: A table in pg_restore --list: "238; 1259 43410 TABLE public account_notices postgres" (not TABLE DATA).
_LISTED_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+) ", re.MULTILINE)


def _archived_tables(listing: str) -> set[str]:
    tables = {name for _schema, name in _LISTED_TABLE.findall(listing)}
    if "alembic_version" not in tables:
        raise BackupError("The archive is not a backup of a Workbench database (no alembic_version).")
    return tables
