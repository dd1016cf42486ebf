"""Login limits that hold across every app process: per address, per account, and a way in for the owner.

The counters live in the rate limiter's storage (RATELIMIT_STORAGE_URI: Redis in production, so that all
workers and servers count together), through the `limits` strategies flask-limiter itself uses:

- every login attempt counts against the address it comes from (LOGIN_RATE_LIMIT);
- every failed login counts against the account, by normalised e-mail whether an account exists or not, so
  the answers reveal nothing (ACCOUNT_LOGIN_LIMIT). Past that limit an address that failed on the account
  is refused without checking the password, while an address that has not failed on it may still try:
  the owner, from their own connection, still gets in;
- guesses spread over many addresses also add up (ACCOUNT_LOGIN_HARD_LIMIT): past it, only addresses from
  which this account logged in before (in the last 30 days) may still try.

A store that cannot be reached refuses the attempt with a 503 page: the limits never fail open.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import ServiceUnavailable

from workbench.auth.services import normalise_email

EXTENSION_KEY = "workbench.login_throttle"
NAMESPACE = "workbench-login"
#: How long a successful login makes its address known for that account.
KNOWN_ADDRESS_SECONDS = 30 * 24 * 3600

log = logging.getLogger(__name__)
T = TypeVar("T")


class LoginRefused(Exception):
    """Too many attempts: refused before the password is looked at."""

    def __init__(self, message: object):
        super().__init__(str(message))
        self.message = message


class ThrottleUnavailable(ServiceUnavailable):
    """The shared store of the login limits could not be reached: the attempt is refused."""

    description = "login limits unavailable"


ADDRESS_MESSAGE = _l("Too many attempts from this connection. Wait a few minutes before trying again.")
ACCOUNT_MESSAGE = _l(
    "Too many failed attempts for this account. Wait 15 minutes, or ask your programme manager "
    "for a link to set a new password."
)


class LoginThrottle:
    def __init__(self, storage: Storage):
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)

    # The three moments of a login attempt -------------------------------------------------------------

    def check_address(self, address: str) -> None:
        """Count an attempt from `address`; refuse it past the per-address limit."""
        for item in _limits("LOGIN_RATE_LIMIT"):
            if not self._safely(lambda item=item: self.strategy.hit(item, NAMESPACE, "address", address)):
                raise LoginRefused(ADDRESS_MESSAGE)

    def check_account(self, email: str, address: str) -> None:
        """Refuse an attempt on a locked account, unless `address` may still try (see the module)."""
        account = _account_key(email)

        def allowed() -> bool:
            if all(self.strategy.test(item, NAMESPACE, "account", account) for item in _limits(_SOFT)):
                return True
            if self.storage.get(self._failed_key(account, address)) > 0:
                return False
            if all(self.strategy.test(item, NAMESPACE, "account-all", account) for item in _limits(_HARD)):
                return True
            return self.storage.get(self._known_key(account, address)) > 0

        if not self._safely(allowed):
            raise LoginRefused(ACCOUNT_MESSAGE)

    def failed(self, email: str, address: str) -> None:
        account = _account_key(email)
        window = max(item.get_expiry() for item in _limits(_SOFT))

        def count() -> None:
            for item in _limits(_SOFT):
                self.strategy.hit(item, NAMESPACE, "account", account)
            for item in _limits(_HARD):
                self.strategy.hit(item, NAMESPACE, "account-all", account)
            self.storage.incr(self._failed_key(account, address), window)

        self._safely(count)

    def succeeded(self, email: str, address: str) -> None:
        account = _account_key(email)

        def remember_address() -> None:
            self.storage.clear(self._failed_key(account, address))
            self.storage.incr(self._known_key(account, address), KNOWN_ADDRESS_SECONDS)

        self._safely(remember_address)

    # -------------------------------------------------------------------------------------------------

    @staticmethod
    def _failed_key(account: str, address: str) -> str:
        return f"{NAMESPACE}/failed/{account}/{address}"

    @staticmethod
    def _known_key(account: str, address: str) -> str:
        return f"{NAMESPACE}/known/{account}/{address}"

    @staticmethod
    def _safely(operation: Callable[[], T]) -> T:
        try:
            return operation()
        except Exception as error:
            log.warning("login limits store unavailable: %s", error)
            raise ThrottleUnavailable() from error


_SOFT = "ACCOUNT_LOGIN_LIMIT"
_HARD = "ACCOUNT_LOGIN_HARD_LIMIT"


def init_app(app: Flask) -> None:
    """Each app gets its own connection to the configured store (shared through the store, not memory)."""
    options = dict(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    storage = storage_from_string(app.config.get("RATELIMIT_STORAGE_URI") or "memory://", **options)
    app.extensions[EXTENSION_KEY] = LoginThrottle(storage)


def current() -> LoginThrottle | None:
    """The app's login limits, or None when rate limiting is switched off (development, most tests)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    return current_app.extensions[EXTENSION_KEY]


def _limits(name: str) -> list[RateLimitItem]:
    return list(parse_many(current_app.config[name]))


def _account_key(email: str) -> str:
    """Counters are kept per normalised e-mail, hashed: no personal data in the store, bounded keys."""
    return hashlib.sha256(normalise_email(email).encode("utf-8", "replace")).hexdigest()
