"""People and their roles, their login sessions, one-time password reset links and account notices."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.timeutil import utcnow


def erased_email(user_id: int) -> str:
    """The address of a person erased on request (workbench.privacy.erasure): unique, and never routable (the
    .invalid top-level domain is reserved, RFC 2606)."""
    return f"erased-{user_id}@erased.invalid"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __audit_type__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name, stored lower-case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Preferred interface language (it, en, fr, ar); None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(8))
    #: Country of origin as an ISO 3166 code, for programme reporting.
    country: Mapped[str | None] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(32))
    #: Gender as the person states it, one of auth.profile.GENDERS; None: not given. Sensitive: only managers
    #: see or change it (auth.permissions.can_see_sensitive_data); reports use it in aggregate only.
    gender: Mapped[str | None] = mapped_column(String(16))
    #: The kind of protection or residence status, one of auth.profile.PROTECTION_STATUSES; None: not given.
    #: Sensitive like gender; plain nullable text, so that a data-protection erasure just empties it.
    protection_status: Mapped[str | None] = mapped_column(String(32))
    #: Deactivated people cannot log in; their records stay.
    active: Mapped[bool] = mapped_column(default=True)
    #: Bumped when the password changes or the account is deactivated (its login sessions end then too).
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    @property
    def is_erased(self) -> bool:
        """Erased on request: the account stays, anonymised, for the records that point at it, and can never
        be reactivated."""
        return self.email == erased_email(self.id)

    # One object per person in a database session: compare by identity, not by flask-login's get_id(),
    # which names one login of the person, not the person.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    @property
    def login_token(self) -> str | None:
        """The token of the login session this object was loaded through (or just opened); never stored."""
        return getattr(self, "_login_token", None)

    @login_token.setter
    def login_token(self, token: str | None) -> None:
        self._login_token = token

    def get_id(self) -> str:
        """What flask-login keeps in the session and the remember cookie: the login session's token."""
        if not self.login_token:
            raise RuntimeError("open a login session (auth.services.open_login_session) before login_user()")
        return self.login_token

    @property
    def roles(self) -> set[Role]:
        return {Role(g.role) for g in self.grants}

    def has_role(self, role: Role | str) -> bool:
        return Role(role) in self.roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class RoleGrant(db.Model):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: One of Role's values.
    role: Mapped[str] = mapped_column(String(16))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants")


class PasswordReset(db.Model):
    """A one-time link a manager hands over; only a hash of its token is stored."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class LoginSession(db.Model):
    """One login on one device. Only a hash of its token is stored; ending the row ends the session."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Opened with "keep me logged in": the remember cookie carries the same token.
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Set by logout, a new password or deactivation.
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class AccountNotice(db.Model):
    """Something the owner of an account should hear about at their next login."""

    __tablename__ = "account_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: One of NoticeKind's values.
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NoticeKind:
    #: Someone tried to register a new account with this account's e-mail.
    REGISTRATION_ATTEMPT = "registration_attempt"
