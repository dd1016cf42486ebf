"""`flask backup`, `flask restore` and `flask check-config` (README "Running it for real")."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from workbench.extensions import db
from workbench.ops import backup as backups
from workbench.ops.checks import backup_folder, print_findings, settings_app


def _release_connections() -> None:
    """Nothing of this process holds the database while it is copied or replaced."""
    db.session.remove()
    db.engine.dispose()


def _summary_lines(summary: backups.Summary, verbose: bool) -> list[str]:
    lines = [f"  {name}: {count}" for name, count in summary.rows.items()] if verbose else []
    return lines


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=True))
@click.option("-v", "--verbose", is_flag=True, help="Also list the rows of every table.")
@with_appcontext
def backup_command(path: str | None, verbose: bool) -> None:
    """Copy the database, consistent while the app writes, to PATH.

    PATH is a file, or a folder that gets a timestamped file (workbench-20261204-031500.sqlite3, or .dump for
    PostgreSQL); without PATH, the folder BACKUP_DIR (instance/backups by default). SQLite is copied with
    its online backup API, PostgreSQL with pg_dump (custom format). An existing file is never overwritten.
    """
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        target = backups.target_path(path, backup_folder(current_app), uri, datetime.now())
        _release_connections()
        summary = backups.backup(uri, target)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Backed up {backups.describe(uri)} to {summary.path}: {backups.human_size(summary.size)}, "
        f"{summary.tables} tables, {summary.total_rows} rows."
    )
    for line in _summary_lines(summary, verbose):
        click.echo(line)


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Yes: replace everything in the configured database.")
@click.option(
    "--no-safety-copy",
    is_flag=True,
    help="Do not back up the database as it is before replacing it (by default a copy goes to BACKUP_DIR).",
)
@click.option("-v", "--verbose", is_flag=True, help="Also list the rows of every table.")
@with_appcontext
def restore_command(path: Path, yes: bool, no_safety_copy: bool, verbose: bool) -> None:
    """Replace everything in the configured database with the backup PATH.

    Stop the app and the mail worker first. Refuses to run without --yes. Before replacing anything, the
    database as it is is backed up to BACKUP_DIR (workbench-before-restore-...), unless --no-safety-copy.
    """
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if not yes:
        raise click.ClickException(
            f"Restoring replaces everything in {backups.describe(uri)} with {path}. Stop the app and the "
            f"mail worker, then run again with --yes."
        )
    try:
        backups.check_source(uri, path)
        _release_connections()
        if not no_safety_copy:
            folder = backup_folder(current_app)
            target = backups.target_path(None, folder, uri, datetime.now(), label="before-restore")
            safety = backups.backup(uri, target)
            click.echo(
                f"The database as it was: {safety.path} ({backups.human_size(safety.size)}, "
                f"{safety.total_rows} rows)."
            )
        summary = backups.restore(uri, path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    finally:
        _release_connections()
    click.echo(
        f"Restored {backups.describe(uri)} from {summary.path} ({backups.human_size(summary.size)}): "
        f"{summary.tables} tables, {summary.total_rows} rows."
    )
    for line in _summary_lines(summary, verbose):
        click.echo(line)
    if summary.untouched:
        click.echo(
            "Tables the backup does not hold were left as they are: " + ", ".join(summary.untouched) + "."
        )


@click.command("check-config")
@click.option("--offline", is_flag=True, help="Do not connect to the database or the limiter's store.")
@with_appcontext
def check_config_command(offline: bool) -> None:
    """List what is missing or unsafe for production; exit status 1 when anything is.

    Reads the settings as a start would (instance/config.py, then WORKBENCH_* variables). Where the app
    already refuses to start, `python -m workbench.ops.checks` runs the same check without building it.
    """
    found = print_findings(settings_app(current_app.instance_path), connect=not offline)
    if found:
        raise SystemExit(1)


def register(app: Flask) -> None:
    for command in (backup_command, restore_command, check_config_command):
        app.cli.add_command(command)
