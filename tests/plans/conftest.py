"""Fixtures the plan tests share."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.support import login_as


@pytest.fixture
def signed_in(client: FlaskClient, trainee) -> FlaskClient:
    """The client, logged in as the trainee who owns the plans."""
    login_as(client, trainee)
    return client
