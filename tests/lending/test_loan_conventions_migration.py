"""The migration that gives loans their product and their contract's conventions adds the columns with the
defaults that keep every existing schedule as it was, and comes down and up again, on both engines."""

from __future__ import annotations

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tests.test_migrations import fresh_app  # noqa: F401 - fixture: an empty database of the same engine
from workbench.extensions import db
from workbench.finance.conventions import DEFAULT_CONVENTIONS, Conventions

BEFORE = "a7c3e5f1b9d2"
CONVENTIONS = "5d2b8e4f7a61"


def _columns() -> dict[str, object]:
    return {column["name"]: column.get("default") for column in inspect(db.engine).get_columns("loans")}


def test_loans_gain_a_product_and_the_default_conventions_and_lose_them_going_down(fresh_app: Flask) -> None:  # noqa: F811
    with fresh_app.app_context():
        upgrade(revision=CONVENTIONS)
        columns = _columns()
        assert "product_id" in columns
        for name in Conventions.__slots__:
            default = str(columns[name]).strip("'").split("'")[0]
            assert default.replace("::character varying", "") == str(getattr(DEFAULT_CONVENTIONS, name))
        foreign = {fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys("loans")}
        assert "loan_products" in foreign
        downgrade(revision=BEFORE)
        assert not {"product_id", *Conventions.__slots__} & set(_columns())
        upgrade(revision=CONVENTIONS)
        assert "product_id" in _columns()
