"""Command-line tasks: `flask seed-demo`, `flask create-user`, `flask send-mail` (notifications/worker.py);
`flask backup`, `flask restore`, `flask check-config` (ops/commands.py)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.config import LANGUAGES
from workbench.errors import DomainError
from workbench.extensions import db


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only load when the database has no people yet (first run).")
@click.option(
    "--size",
    type=click.Choice(["standard", "large"]),
    default="standard",
    show_default=True,
    help="large: also 10,000 generated loans with their repayments, to size the portfolio dashboard.",
)
@click.option(
    "--without-relab",
    is_flag=True,
    help="Leave out the Re-Lab Venezia 2012-2014 cohort (341 people, a few seconds): for tests of the rest.",
)
@with_appcontext
def seed_demo_command(if_empty: bool, size: str, without_relab: bool) -> None:
    """Load the demo programme (idempotent)."""
    from workbench.demo import DEMO_PASSWORD, seed_demo
    from workbench.lending.large_demo import seed_large_portfolio

    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("Demo data not loaded: the database already has people.")
        return
    added = seed_demo(relab=not without_relab)
    if size == "large":
        added["generated loans"] = seed_large_portfolio()
    db.session.commit()
    click.echo("Demo data: " + ", ".join(f"{n} {kind} added" for kind, n in added.items()))
    click.echo(
        f"Demo logins: manager@example.org, mentor1@example.org, officer1@example.org ... "
        f"password {DEMO_PASSWORD}"
    )


@click.command("create-user")
@click.argument("email")
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Role to grant; repeat for several.",
)
@click.option("--language", "locale", type=click.Choice(list(LANGUAGES)), default="it", show_default=True)
@click.password_option(help="Password (asked for when not given).")
@with_appcontext
def create_user_command(
    email: str, full_name: str, roles: tuple[str, ...], locale: str, password: str
) -> None:
    """Create an account with one or more roles."""
    from workbench.auth.services import create_user

    try:
        user = create_user(
            email=email, full_name=full_name, password=password, roles=roles, actor=None, locale=locale
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(" ".join(error.errors.values())) from error
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(roles))}).")


def register_commands(app: Flask) -> None:
    from workbench.notifications.worker import send_mail_command

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(send_mail_command)
    from workbench.ops.commands import register as register_ops_commands

    register_ops_commands(app)
