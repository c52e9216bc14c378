"""Editor accounts, login attempts and the audit log."""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ForeignKey, Index, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, utcnow

ROLES = ("editor", "admin")
MIN_PASSWORD_LENGTH = 12
LOGIN_LIFETIME = timedelta(days=30)
COMMON_PASSWORDS = {"password1234", "123456789012", "qwertyuiopas", "letmein12345",
                    "passwordpassword", "administrator", "reliefmap123", "changeme1234"}
_hasher = PasswordHasher()


def password_problem(password: str, username: str = "") -> Optional[str]:
    """Why a password is too weak, or None when it is acceptable."""
    if not password:
        return "the password is empty"
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    if len(set(password)) < 5:
        return "the password repeats too few different characters"
    if password.lower() in COMMON_PASSWORDS or (username and username.lower() in password.lower()):
        return "the password is too easy to guess"
    return None


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="editor")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[Optional[datetime]]

    logins: Mapped[list["Login"]] = relationship(back_populates="user",
                                                 cascade="all, delete-orphan")
    # The token of the login this object was loaded for (see `start_login`, `user_of_login`).
    login_token = None

    def set_password(self, password: str) -> None:
        """Change the password; every login of the account ends."""
        self.password_hash = _hasher.hash(password)
        self.logins.clear()

    def set_active(self, active: bool) -> None:
        """Enable or disable the account; disabling ends its logins, so enabling does not
        bring them back."""
        self.active = active
        if not active:
            self.logins.clear()

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    # Flask-Login's user interface, written out so that models import nothing from the web.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> Optional[str]:
        """What the session cookie keeps: the token of this login."""
        return self.login_token


class Login(Base):
    """One login of an account, which the server can end: the browser's signed session cookie
    holds the token, this row its hash. Logging out, a new password and disabling the account
    delete the row, and with it every copy of the cookie."""

    __tablename__ = "logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="logins")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_login(session: Session, user: User) -> str:
    """Record a new login of `user` (dropping its expired ones); returns the token."""
    session.execute(delete(Login).where(Login.user_id == user.id,
                                        Login.created_at < utcnow() - LOGIN_LIFETIME))
    user.login_token = secrets.token_urlsafe(32)
    session.add(Login(user=user, token_hash=_token_hash(user.login_token)))
    return user.login_token


def user_of_login(session: Session, token: str) -> Optional[User]:
    """The active account of an unexpired login, or None once the login has ended."""
    user = session.scalar(select(User).join(Login).where(
        Login.token_hash == _token_hash(token), Login.created_at >= utcnow() - LOGIN_LIFETIME,
        User.active.is_(True)))
    if user is not None:
        user.login_token = token
    return user


def end_login(session: Session, token: str) -> None:
    """End one login (logging out); the account's other logins go on."""
    session.execute(delete(Login).where(Login.token_hash == _token_hash(token)))


class LoginAttempt(Base):
    """Failed and successful logins, for throttling by account and by client address."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),
                      Index("ix_login_attempts_address_at", "address", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who did what to which entry, and the values before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[Optional[int]]
    before: Mapped[Optional[dict]]
    after: Mapped[Optional[dict]]
    note: Mapped[Optional[str]] = mapped_column(Text)

    user: Mapped[Optional[User]] = relationship()


def record_audit(session: Session, user: Optional[User], action: str, entity_type: str,
                 entity_id: Optional[int], before=None, after=None, note=None) -> AuditEntry:
    """Add an audit entry to the caller's session."""
    entry = AuditEntry(user=user, action=action, entity_type=entity_type, entity_id=entity_id,
                       before=before, after=after, note=note)
    session.add(entry)
    return entry
