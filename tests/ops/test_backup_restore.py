"""`flask backup` and `flask restore`, end to end on the engine the suite runs on (SQLite, or PostgreSQL with
WORKBENCH_TEST_DATABASE_URL): seed, back up, change, restore; the change is gone and every table holds again
exactly the rows it held (counted, and a checksum of every row). A SQLite backup taken while another
connection writes is one moment of the database."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DatabaseError

from workbench.audit.models import AuditEvent
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.auth.services import create_user
from workbench.extensions import db
from workbench.ops import backup as backups
from workbench.programme.models import Cohort


@pytest.fixture
def runner(app: Flask, app_context: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FlaskCliRunner:
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "backups"))
    return app.test_cli_runner()


def tables() -> dict[str, tuple[int, str]]:
    """Every table of the database: its rows and a checksum of their values (in a stable order)."""
    db.session.remove()
    found = {}
    with db.engine.connect() as conn:
        for name in sorted(inspect(conn).get_table_names()):
            every_row = text(f'SELECT * FROM "{name}"')  # noqa: S608 - names the database gave
            rows = sorted(repr(tuple(row)) for row in conn.execute(every_row))
            found[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return found


def invoke(runner: FlaskCliRunner, *args: str):
    result = runner.invoke(args=list(args))
    db.session.remove()
    return result


def change_something() -> None:
    """Add a row (a person, with their role and audit event) and change one (a cohort's name)."""
    create_user(
        email="added.after@example.org",
        full_name="Added After",
        password=None,
        roles=[Role.MENTOR],
        actor=None,
        locale="it",
    )
    cohort = db.session.scalars(select(Cohort).order_by(Cohort.id)).first()
    cohort.name = "Renamed after the backup"
    db.session.commit()


def test_backup_change_restore_brings_back_every_row_and_nothing_else(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    assert invoke(runner, "seed-demo", "--without-relab").exit_code == 0
    seeded = tables()
    assert (seeded["users"][0], seeded["loan_payments"][0] > 0) == (45, True)
    cohort_name = db.session.scalars(select(Cohort.name).order_by(Cohort.id)).first()

    made = invoke(runner, "backup", str(tmp_path))
    assert made.exit_code == 0, made.output
    [copy] = [p for p in tmp_path.iterdir() if p.is_file()]
    assert re.fullmatch(r"workbench-\d{8}-\d{6}\.(sqlite3|dump)", copy.name)
    total = sum(rows for rows, _ in seeded.values())
    assert f"to {copy}: " in made.output
    assert f"{len(seeded)} tables, {total} rows." in made.output

    change_something()
    changed = tables()
    assert {name for name in seeded if changed[name] != seeded[name]} >= {"users", "cohorts", "audit_events"}

    refused = invoke(runner, "restore", str(copy))
    assert refused.exit_code == 1
    assert "--yes" in refused.output
    assert tables() == changed  # nothing touched without --yes

    restored = invoke(runner, "restore", str(copy), "--yes")
    assert restored.exit_code == 0, restored.output
    assert f"{len(seeded)} tables, {total} rows." in restored.output
    assert tables() == seeded
    assert db.session.scalar(select(User).where(User.email == "added.after@example.org")) is None
    assert db.session.scalars(select(Cohort.name).order_by(Cohort.id)).first() == cohort_name

    # The database as it was before the restore was kept, and brings the change back.
    [safety] = (tmp_path / "backups").iterdir()
    assert safety.name.startswith("workbench-before-restore-")
    assert f"The database as it was: {safety}" in restored.output
    assert invoke(runner, "restore", str(safety), "--yes", "--no-safety-copy").exit_code == 0
    assert tables() == changed
    assert list((tmp_path / "backups").iterdir()) == [safety]


def test_a_restored_database_still_refuses_to_change_its_records(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    assert invoke(runner, "seed-demo", "--without-relab").exit_code == 0
    copy = tmp_path / "copy"
    assert invoke(runner, "backup", str(copy)).exit_code == 0
    assert invoke(runner, "restore", str(copy), "--yes", "--no-safety-copy").exit_code == 0
    event_id = db.session.scalars(select(AuditEvent.id)).first()
    with pytest.raises(DatabaseError), db.engine.begin() as conn:  # the append-only triggers came back
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": event_id})
    db.session.remove()
    assert db.session.get(AuditEvent, event_id) is not None


def test_backup_goes_to_the_backup_folder_and_never_overwrites(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    made = invoke(runner, "backup", "-v")
    assert made.exit_code == 0, made.output
    [copy] = (tmp_path / "backups").iterdir()
    assert "  alembic_version: 1" in made.output
    again = invoke(runner, "backup", str(copy))
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [copy.name]  # no partial file left
    # A folder that does not exist yet, typed with a trailing slash, gets a timestamped file.
    assert invoke(runner, "backup", f"{tmp_path}/nightly/").exit_code == 0
    [nightly] = (tmp_path / "nightly").iterdir()
    assert re.fullmatch(r"workbench-\d{8}-\d{6}\.(sqlite3|dump)", nightly.name)


def test_restore_refuses_a_file_that_is_not_a_backup_of_this_engine(
    runner: FlaskCliRunner, database_url: str, tmp_path: Path
) -> None:
    before = tables()
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    result = invoke(runner, "restore", str(junk), "--yes")
    assert result.exit_code == 1
    assert "neither a SQLite backup nor a pg_dump archive" in result.output
    other = tmp_path / "other-engine"
    if database_url.startswith("sqlite"):
        other.write_bytes(backups.PG_DUMP_MAGIC + b"\x01\x0e")
        engine_words = "is a PostgreSQL backup, but the configured database is SQLite"
    else:
        with sqlite3.connect(other) as conn:
            conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        engine_words = "is a SQLite backup, but the configured database is PostgreSQL"
    result = invoke(runner, "restore", str(other), "--yes")
    assert result.exit_code == 1
    assert engine_words in result.output
    assert tables() == before
    assert not (tmp_path / "backups").exists()  # refused before the safety copy


def test_sqlite_restore_refuses_a_database_that_is_not_workbenchs(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    with sqlite3.connect(live) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.execute("INSERT INTO alembic_version VALUES ('x')")
    stranger = tmp_path / "stranger.sqlite3"
    with sqlite3.connect(stranger) as conn:
        conn.execute("CREATE TABLE songs (title TEXT)")
    with pytest.raises(backups.BackupError, match="not a Workbench one"):
        backups.restore(f"sqlite:///{live}", stranger)
    with sqlite3.connect(live) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("x",)]


def test_postgresql_tools_get_the_password_from_the_environment_not_the_command_line() -> None:
    env = backups.pg_environment(
        "postgresql+psycopg://workbench:s3cret@db.internal:6543/relab?sslmode=require&application_name=wb"
    )
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"]) == (
        "db.internal",
        "6543",
        "workbench",
        "relab",
    )
    assert (env["PGPASSWORD"], env["PGSSLMODE"], env["PGAPPNAME"]) == ("s3cret", "require", "wb")
    assert "s3cret" not in backups.describe("postgresql+psycopg://workbench:s3cret@db.internal/relab")


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_a_sqlite_backup_taken_while_another_connection_writes_is_one_moment(
    tmp_path: Path, journal_mode: str
) -> None:
    """A writer thread adds rows two at a time, in one transaction each, while backups are taken: every copy
    passes the integrity check and holds whole pairs only; in WAL mode the writer goes on during the copy."""
    live = tmp_path / "live.sqlite3"
    with sqlite3.connect(live) as conn:
        conn.execute(f"PRAGMA journal_mode={journal_mode}")
        conn.execute("CREATE TABLE pairs (id INTEGER PRIMARY KEY, pair INTEGER NOT NULL, payload BLOB)")
        conn.executemany(
            "INSERT INTO pairs (pair, payload) VALUES (?, randomblob(2000))",
            [(n // 2,) for n in range(12_000)],  # about 25 MB: a copy takes a while
        )
    committed = [0]
    errors: list[BaseException] = []
    stop = threading.Event()

    def write() -> None:
        with sqlite3.connect(live, timeout=60, isolation_level=None) as conn:
            pair = 10_000_000
            while not stop.is_set():
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.execute("INSERT INTO pairs (pair, payload) VALUES (?, randomblob(500))", (pair,))
                    conn.execute("INSERT INTO pairs (pair, payload) VALUES (?, randomblob(500))", (pair,))
                    conn.execute("COMMIT")
                except BaseException as error:  # reported by the test, not lost in the thread
                    errors.append(error)
                    return
                committed[0] += 1
                pair += 1

    writer = threading.Thread(target=write)
    writer.start()
    progressed_during = []
    try:
        while committed[0] < 20:
            time.sleep(0.01)
        for number in range(3):
            before = committed[0]
            summary = backups.backup(f"sqlite:///{live}", tmp_path / f"copy{number}.sqlite3")
            progressed_during.append(committed[0] - before)
            assert summary.rows["pairs"] >= 12_000 + 2 * 20
    finally:
        stop.set()
        writer.join()
    assert not errors, errors
    for number in range(3):
        copy = tmp_path / f"copy{number}.sqlite3"
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            halves = conn.execute(
                "SELECT count(*) FROM (SELECT pair FROM pairs GROUP BY pair HAVING count(*) != 2)"
            ).fetchone()
            assert halves == (0,)
    if journal_mode == "wal":
        assert max(progressed_during) > 0  # the writer really wrote while a copy was being made
    assert committed[0] > 20


def test_a_restore_that_cannot_get_the_database_changes_nothing_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = tmp_path / "live.sqlite3"
    with sqlite3.connect(live) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.execute("INSERT INTO alembic_version VALUES ('live')")
    copy = tmp_path / "copy.sqlite3"
    backups.backup(f"sqlite:///{live}", copy)
    with sqlite3.connect(live) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'changed'")
    monkeypatch.setattr(backups, "SQLITE_BUSY_TIMEOUT", 0.2)
    reader = sqlite3.connect(live, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT * FROM alembic_version").fetchall()  # a reader holds the database
    try:
        with pytest.raises(backups.BackupError, match=r"live\.sqlite3 stayed locked by another connection"):
            backups.restore(f"sqlite:///{live}", copy)
    finally:
        reader.execute("COMMIT")
        reader.close()
    with sqlite3.connect(live) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("changed",)]
    backups.restore(f"sqlite:///{live}", copy)  # once the reader is gone
    with sqlite3.connect(live) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("live",)]


def test_a_postgresql_database_that_cannot_be_reached_is_a_clear_refusal(tmp_path: Path) -> None:
    with pytest.raises(
        backups.BackupError, match=r"postgresql\+psycopg://workbench:\*\*\*@127\.0\.0\.1:1/wb: "
    ):
        backups.backup("postgresql+psycopg://workbench:secret@127.0.0.1:1/wb", tmp_path / "x.dump")
    assert list(tmp_path.iterdir()) == []
