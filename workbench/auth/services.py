"""Accounts: creation, login sessions, roles, deactivation, password resets, notices and language.

Every change is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from workbench.audit.services import record
from workbench.auth.models import AccountNotice, LoginSession, NoticeKind, PasswordReset, RoleGrant, User
from workbench.auth.profile import GENDERS, PROTECTION_STATUSES, profile_digest
from workbench.auth.roles import Role
from workbench.config import LANGUAGES
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.timeutil import as_utc, utcnow
from workbench.web.forms import COUNTRY_CODES

#: However the remember cookie is configured, a login never lasts longer than this on the server.
MAX_LOGIN_DURATION = timedelta(days=30)
#: Longer tokens are not ours: they are refused before any lookup.
MAX_TOKEN_LENGTH = 128

#: Checked when the e-mail is unknown, so a failed login takes as long whichever part was wrong.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def check_password_rules(password: str, field: str = "password") -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise DomainError({field: _("Use at least %(n)d characters.", n=minimum)})


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    *,
    email: str,
    full_name: str,
    password: str | None,
    roles: Iterable[Role | str],
    actor: User | None,
    locale: str | None = None,
    country: str | None = None,
    phone: str | None = None,
    gender: str | None = None,
    protection_status: str | None = None,
) -> User:
    """Create an account. Without a password the account can only be entered through a reset link.
    `gender` (auth.profile.GENDERS): what the person chose to say when registering; `protection_status`
    (auth.profile.PROTECTION_STATUSES): what an intake interview recorded. Both stay out of the audit trail,
    like every sensitive detail."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise DomainError({"email": _("Someone already uses this e-mail address.")})
    if password is not None:
        check_password_rules(password)
    if locale is not None and locale not in LANGUAGES:
        raise DomainError({"locale": _("Choose one of the offered languages.")})
    if gender and gender not in GENDERS:
        raise DomainError({"gender": _("Choose one of the offered answers.")})
    if protection_status and protection_status not in PROTECTION_STATUSES:
        raise DomainError({"protection_status": _("Choose one of the offered answers.")})
    role_set = sorted({Role(r) for r in roles})
    if not role_set:
        raise DomainError({"roles": _("Give the person at least one role.")})
    user = User(
        email=email,
        full_name=full_name.strip(),
        # An unusable hash: nobody can log in with it until a password is set through a reset link.
        password_hash=hash_password(password) if password else "!" + secrets.token_hex(16),
        locale=locale,
        country=(country or None) and country.upper(),
        phone=phone or None,
        gender=gender or None,
        protection_status=protection_status or None,
    )
    user.grants = [RoleGrant(role=r.value) for r in role_set]
    db.session.add(user)
    record("user.created", user, actor, after=_user_snapshot(user))
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def set_roles(user: User, roles: Iterable[Role | str], actor: User) -> None:
    wanted = {Role(r) for r in roles}
    if not wanted:
        raise DomainError({"roles": _("Give the person at least one role.")})
    if user.id == actor.id and Role.MANAGER in user.roles and Role.MANAGER not in wanted:
        raise DomainError({"roles": _("You cannot take the manager role away from yourself.")})
    before = sorted(user.roles)
    if set(before) == wanted:
        return
    user.grants = [g for g in user.grants if Role(g.role) in wanted]
    user.grants.extend(RoleGrant(role=r.value) for r in sorted(wanted - set(before)))
    record("user.roles_changed", user, actor, before={"roles": before}, after={"roles": sorted(wanted)})


def set_active(user: User, active: bool, actor: User) -> None:
    if user.id == actor.id and not active:
        raise DomainError({"": _("You cannot deactivate your own account.")})
    if user.active == active:
        return
    user.active = active
    user.session_version += 1
    if not active:
        end_login_sessions(user)
    record(
        "user.reactivated" if active else "user.deactivated",
        user,
        actor,
        before={"active": not active},
        after={"active": active},
    )


def issue_password_reset(user: User, actor: User | None, valid_for: timedelta | None = None) -> str:
    """Create a one-time link token for `user`; returns the token, which is shown once and never stored.

    The link lasts PASSWORD_RESET_VALID_FOR unless `valid_for` says otherwise (a link sent by e-mail)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    reset = PasswordReset(
        user_id=user.id,
        token_hash=_token_hash(token),
        created_by_id=getattr(actor, "id", None),
        created_at=now,
        expires_at=now + (valid_for or current_app.config["PASSWORD_RESET_VALID_FOR"]),
    )
    db.session.add(reset)
    record("user.password_reset_issued", user, actor, after={"expires_at": reset.expires_at.isoformat()})
    return token


def find_valid_reset(token: str) -> PasswordReset | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token)))
    if reset is None or reset.used_at is not None or as_utc(reset.expires_at) <= utcnow():
        return None
    if not reset.user.active:
        return None
    return reset


def reset_password(token: str, new_password: str) -> User:
    reset = find_valid_reset(token)
    if reset is None:
        raise DomainError(
            {"": _("This link has expired or was already used. Ask your programme manager for a new one.")}
        )
    check_password_rules(new_password)
    user = reset.user
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    end_login_sessions(user)
    reset.used_at = utcnow()
    # A link handed over earlier and never used must not outlive the new password.
    for other in db.session.scalars(
        select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    ):
        other.used_at = reset.used_at
    record("user.password_changed", user, user)
    return user


def login_duration(remember: bool) -> timedelta:
    """How long a login lasts on the server: the remember cookie's or the session's life, at most 30 days."""
    config = current_app.config
    wanted = config["REMEMBER_COOKIE_DURATION"] if remember else config["PERMANENT_SESSION_LIFETIME"]
    if not isinstance(wanted, timedelta):
        wanted = timedelta(seconds=int(wanted))
    return min(wanted, MAX_LOGIN_DURATION)


def open_login_session(user: User, remember: bool) -> str:
    """Start a login for `user` on one device; returns its token, which flask-login keeps in the cookies.

    The token is also set on `user`, so that login_user(user) stores it. Only its hash is kept here.
    """
    token = secrets.token_urlsafe(32)
    now = utcnow()
    _forget_old_login_sessions(user, now)
    db.session.add(
        LoginSession(
            user_id=user.id,
            token_hash=_token_hash(token),
            remember=remember,
            created_at=now,
            expires_at=now + login_duration(remember),
        )
    )
    user.login_token = token
    record("user.logged_in", user, user, after={"remember": remember})
    return token


def user_for_login_token(token: str) -> User | None:
    """The active person whose login session this is, if it was neither ended nor expired."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    found = db.session.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
    if found is None or found.ended_at is not None:
        return None
    now = utcnow()
    if as_utc(found.expires_at) <= now or as_utc(found.created_at) + MAX_LOGIN_DURATION <= now:
        return None
    user = found.user
    if not user.active:
        return None
    user.login_token = token
    return user


def log_out(user: User) -> None:
    """Logging out ends every login of this person, on every device, remember cookies included."""
    ended = end_login_sessions(user)
    record("user.logged_out", user, user, after={"sessions_ended": ended})


def end_login_sessions(user: User) -> int:
    """End every open login session of `user`; returns how many were open."""
    now = utcnow()
    result = db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def _forget_old_login_sessions(user: User, now: datetime) -> None:
    """Rows of logins that ended or expired long ago are of no further use: keep the table small."""
    cutoff = now - MAX_LOGIN_DURATION
    for old in db.session.scalars(
        select(LoginSession).where(
            LoginSession.user_id == user.id,
            or_(LoginSession.ended_at < cutoff, LoginSession.expires_at < cutoff),
        )
    ):
        db.session.delete(old)


def note_registration_attempt(user: User) -> None:
    """Someone tried to register with `user`'s e-mail: tell the owner at their next login, not the visitor."""
    pending = db.session.scalar(
        select(AccountNotice).where(
            AccountNotice.user_id == user.id,
            AccountNotice.kind == NoticeKind.REGISTRATION_ATTEMPT,
            AccountNotice.seen_at.is_(None),
        )
    )
    if pending is None:
        db.session.add(AccountNotice(user_id=user.id, kind=NoticeKind.REGISTRATION_ATTEMPT))
    else:
        pending.created_at = utcnow()
    record("user.registration_attempted", user, None)


def take_account_notices(user: User) -> list[AccountNotice]:
    """The notices the owner has not seen yet, oldest first, marked as seen now."""
    notices = list(
        db.session.scalars(
            select(AccountNotice)
            .where(AccountNotice.user_id == user.id, AccountNotice.seen_at.is_(None))
            .order_by(AccountNotice.created_at, AccountNotice.id)
        )
    )
    if notices:
        now = utcnow()
        for notice in notices:
            notice.seen_at = now
        record("user.notices_seen", user, user, after={"kinds": [n.kind for n in notices]})
    return notices


def set_locale(user: User, locale: str) -> None:
    if locale not in LANGUAGES:
        raise DomainError({"locale": _("Choose one of the offered languages.")})
    if user.locale == locale:
        return
    before = user.locale
    user.locale = locale
    record("user.language_changed", user, user, before={"locale": before}, after={"locale": locale})


class StaleProfile(DomainError):
    """The person's details changed since the page showing them was loaded: nothing was saved."""


def set_profile(
    user: User,
    *,
    country: str | None,
    gender: str | None,
    protection_status: str | None,
    actor: User,
    seen: str | None = None,
) -> bool:
    """A manager records the person's country of origin, gender and protection status (None: not given);
    whether anything changed. `seen`: the profile_digest the manager's page was made from (None: no check,
    for code); a save from a page loaded before someone else's change is refused (StaleProfile: what was
    chosen stays on the form), never written over it, unless it asks for what is stored already (a double
    click). The person's row is held until the transaction ends, so two saves at once are taken one after
    the other and the same details saved twice record one change.

    The audit trail records which details changed, never their values: it is append-only, and these are
    details a person may ask to have erased."""
    errors = {}
    if country and country.upper() not in COUNTRY_CODES:
        errors["country"] = _("Choose a country from the list.")
    if gender and gender not in GENDERS:
        errors["gender"] = _("Choose one of the offered answers.")
    if protection_status and protection_status not in PROTECTION_STATUSES:
        errors["protection_status"] = _("Choose one of the offered answers.")
    if errors:
        raise DomainError(errors)
    wanted = {
        "country": country.upper() if country else None,
        "gender": gender or None,
        "protection_status": protection_status or None,
    }
    _lock_user(user)
    changed = sorted(name for name, value in wanted.items() if getattr(user, name) != value)
    if not changed:  # already so (a double click, or the same details from another tab)
        return False
    if seen is not None and seen != profile_digest(user):
        raise StaleProfile(
            {
                "": _(
                    "Someone changed the details of %(name)s since your page was loaded. Check them below, "
                    "then save again.",
                    name=user.full_name,
                )
            }
        )
    for name in changed:
        setattr(user, name, wanted[name])
    record("user.profile_changed", user, actor, after={"changed": changed})
    return True


def _lock_user(user: User) -> None:
    """Hold the person's row until the transaction ends and read it again as committed."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: the first write takes the database's write lock, which serialises the same.
        db.session.execute(
            update(User).where(User.id == user.id).values(id=User.id),
            execution_options={"synchronize_session": False},
        )
    db.session.scalars(
        select(User).where(User.id == user.id).with_for_update().execution_options(populate_existing=True)
    ).one()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user_snapshot(user: User) -> dict[str, object]:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "roles": sorted(r.value for r in user.roles),
        "locale": user.locale,
        "country": user.country,
    }
