"""One change at a time to a row that decides a rule (a module's hours, a trainee's completion, a budget's
amount): the row is held until the transaction ends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from workbench.extensions import db


def hold_row(model: Any, row_id: int) -> bool:
    """Hold the row (SELECT ... FOR UPDATE) so that changes that depend on it are decided one after the other,
    each seeing what the one before it committed; False when the row no longer exists (removed meanwhile).

    Rows are held in a fixed order by the callers (a module before its trainees' enrolments, enrolments by
    id), so two transactions never wait for each other in a circle."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: the first write takes the database's write lock, which serialises the same.
        db.session.execute(
            update(model).where(model.id == row_id).values(id=model.id),
            execution_options={"synchronize_session": False},
        )
    held = db.session.execute(select(model.id).where(model.id == row_id).with_for_update()).scalar()
    return held is not None
