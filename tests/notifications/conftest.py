"""A real SMTP server for the mail tests: aiosmtpd on 127.0.0.1, on a free port, recording what it accepts.

``smtp`` starts it and points the app at it (SMTP_HOST, SMTP_PORT, no TLS, MAIL_FROM); ``smtp.refuse(n)``
makes it refuse the next n recipients, as a server that is full or does not know the address would.
"""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from workbench.notifications.worker import RunReport, run_once
from workbench.timeutil import utcnow

SENDER = "Workbench <noreply@workbench.example.org>"
BASE_URL = "https://workbench.example.org"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class Recorder:
    """The server's handler: refuses when told to, records every message it accepts."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.refusals = 0
        self.refusal = "451 4.3.0 Mailbox busy, try again later"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if self.refusals > 0:
                self.refusals -= 1
                return self.refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content, policy=default_policy)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, recorder: Recorder, port: int) -> None:
        self.recorder = recorder
        self.port = port

    @property
    def received(self) -> list[Received]:
        with self.recorder.lock:
            return list(self.recorder.received)

    def refuse(self, count: int, answer: str | None = None) -> None:
        with self.recorder.lock:
            self.recorder.refusals = count
            if answer:
                self.recorder.refusal = answer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    for name, value in {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_SECURITY": "none",
        "SMTP_USERNAME": None,
        "MAIL_FROM": SENDER,
        "BASE_URL": BASE_URL,
        "SMTP_TIMEOUT": 10,
    }.items():
        monkeypatch.setitem(app.config, name, value)
    try:
        yield SmtpServer(recorder, port)
    finally:
        controller.stop()


def run(at: datetime | None = None) -> RunReport:
    """One run of the worker, at `at` (default now)."""
    return run_once(clock=(lambda: at) if at is not None else utcnow)
