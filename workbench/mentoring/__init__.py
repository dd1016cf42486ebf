"""Mentoring: the accompaniment of each trainee (comments, sessions, milestones, plan against actual).

It is the highest domain: it reads plans, lending and the programme, and hears their journey events
(workbench.events) through receivers connected once, when the app is created.
"""

from __future__ import annotations


def connect_receivers() -> None:
    """Connect mentoring's receivers of the journey signals (blinker keeps one connection per receiver)."""
    from workbench.mentoring.milestones import connect_receivers as connect_milestones

    connect_milestones()
