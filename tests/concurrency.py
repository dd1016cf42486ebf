"""Run requests at the same moment from real threads, each with its own database session and connection.

Each call runs in its own thread inside its own app context; the test client opens a fresh context per
request (tests.support.IsolatedClient), so every request has its own SQLAlchemy session, as two gunicorn
workers would. A barrier releases the threads together so their reads and writes overlap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from flask import Flask

from workbench.extensions import db

T = TypeVar("T")

#: How many times each race is run: one round may happen to serialise, ten in a row do not all.
ROUNDS = 10


def at_once(app: Flask, *calls: Callable[[], T]) -> list[T]:
    """Start every call together, each in its own thread and app context; their results, in order.

    An exception in a call (a 500 propagates in TESTING mode) is raised here, so the test fails on it."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                return call()
            finally:
                db.session.remove()

    # The test's own session must not hold a transaction (or a SQLite lock) while the threads write.
    db.session.commit()
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        results = [future.result(timeout=120) for future in futures]
    db.session.expire_all()
    return results
