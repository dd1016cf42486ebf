"""The demo cohort's training and pathways: six modules with a register that agrees with who completed the
training, Re-Lab's partners, two pathways with a PUOI-like "dote"; loading the demo again adds nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from workbench.audit.models import AuditEvent
from workbench.auth.models import User
from workbench.demo import DEMO_COHORT, TRAINING_COMPLETED
from workbench.extensions import db
from workbench.programme import pathway, training
from workbench.programme.demo import MODULES, PATHWAYS
from workbench.programme.models import Cohort
from workbench.programme.pathway_models import BudgetSpending
from workbench.programme.training_models import Attendance, TrainingModule


@pytest.fixture
def runner(app: Flask, app_context: None) -> FlaskCliRunner:
    return app.test_cli_runner()


def test_the_demo_register_agrees_with_who_completed_the_training(runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["seed-demo", "--without-relab"]).exit_code == 0
    cohort = db.session.scalars(select(Cohort).where(Cohort.name == DEMO_COHORT)).one()
    assert cohort.partner_names[:2] == [
        "Centro Internazionale di Formazione dell'OIL",
        "Associazione di Microfinanza e Sviluppo",
    ]
    assert cohort.completion_share == 80
    modules = training.modules_of(cohort)
    assert [m.title for m in modules] == [title for title, _hours, _day in MODULES]
    assert sum(m.hours for m in modules) == Decimal("38.5")
    progress = training.cohort_progress(cohort)
    enrolments = training.enrolments_in(cohort)
    completed = [e for e in enrolments if e.training_completed_at is not None]
    assert len(completed) == TRAINING_COMPLETED
    for enrolment in enrolments:
        assert progress[enrolment.id].reached == (enrolment.training_completed_at is not None), (
            enrolment.user.full_name
        )
    # Every recorded attendance is within its module.
    over = db.session.scalar(
        select(func.count(Attendance.id))
        .join(TrainingModule, TrainingModule.id == Attendance.module_id)
        .where(Attendance.hours > TrainingModule.hours)
    )
    assert over == 0
    # Some trainees are not recorded yet: the register shows empty cells too.
    assert any(all(m.hours is None for m in p.modules) for p in progress.values())


def test_the_demo_pathways_carry_a_dote_of_5940_euros(runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["seed-demo", "--without-relab"]).exit_code == 0
    for name in PATHWAYS:
        trainee = db.session.scalars(select(User).where(User.full_name == name)).one()
        plan = pathway.pathway_of(trainee)
        assert plan.granted == Decimal("5940.00")
        assert Decimal(0) <= plan.spent <= plan.granted
        assert all(line.remaining >= 0 for line in plan.lines)
        assert plan.goals
        assert plan.services


def test_loading_the_demo_again_adds_no_training_or_pathway(runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["seed-demo", "--without-relab"]).exit_code == 0
    counts = (
        db.session.scalar(select(func.count(Attendance.id))),
        db.session.scalar(select(func.count(BudgetSpending.id))),
        db.session.scalar(select(func.count(AuditEvent.id))),
    )
    again = runner.invoke(args=["seed-demo", "--without-relab"])
    assert again.exit_code == 0, again.output
    assert "0 training_modules added, 0 attendances added" in again.output
    assert "0 budget_spendings added" in again.output
    db.session.expire_all()
    assert (
        db.session.scalar(select(func.count(Attendance.id))),
        db.session.scalar(select(func.count(BudgetSpending.id))),
        db.session.scalar(select(func.count(AuditEvent.id))),
    ) == counts
