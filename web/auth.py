"""Logging in and out: Flask-Login sessions, argon2 passwords, and throttling of failed logins
per account and per client address."""

import secrets
from datetime import datetime, timedelta
from functools import cache
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import func, select

from models import LoginAttempt, User, end_login, start_login, user_of_login
from models.base import utcnow
from web.db import get_session
from web.editor_forms import ActionForm, LoginForm
from web.params import CONTROL

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
bp.record_once(lambda state: login_manager.init_app(state.app))

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


@cache
def _stand_in() -> User:
    """Checked when the username is unknown, so that a miss takes as long as a wrong password."""
    user = User()
    user.set_password(secrets.token_hex(16))
    return user


@login_manager.user_loader
def load_user(token: str):
    """The account of the session's login, unless that login has ended or the account is
    disabled."""
    return user_of_login(get_session(), token)


def require_login(role: str | None = None):
    """A before_request hook: logged-out visitors go to the login page; others need `role`."""
    def check():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if role == "admin" and not current_user.is_admin:
            abort(403)
        return None

    return check


def no_store(response):
    """Workspace pages are private: never cached, so nothing is left to see after logging out."""
    response.headers["Cache-Control"] = "no-store"
    return response


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None (no open redirects, and no line
    break or other control character for a Location header)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target \
            or CONTROL.search(target):
        return None
    parts = urlsplit(target)
    return target if not (parts.scheme or parts.netloc) else None


def locked_until(session, username: str, address: str) -> datetime | None:
    """When a lockout of the account or the address ends, if one is in force."""
    window_start = utcnow() - LOCKOUT
    last_success = session.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)))
    account_start = max(window_start, last_success) if last_success else window_start
    ends = []
    for condition, start in ((LoginAttempt.username == username, account_start),
                             (LoginAttempt.address == address, window_start)):
        failures = session.scalars(
            select(LoginAttempt.at).where(condition, LoginAttempt.succeeded.is_(False),
                                          LoginAttempt.at > start)
            .order_by(LoginAttempt.at.desc()).limit(MAX_FAILURES)).all()
        if len(failures) >= MAX_FAILURES:
            ends.append(failures[-1] + LOCKOUT)
    return max(ends) if ends else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form."""
    target = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("editor.queue"))
    form = LoginForm(next=target)
    error, status = None, 200
    if form.validate_on_submit():
        session = get_session()
        username, address = form.username.data.strip(), request.remote_addr or "unknown"
        until = locked_until(session, username, address)
        if until:
            minutes = max(1, round((until - utcnow()).total_seconds() / 60))
            error, status = (f"Too many failed logins: logging in is locked for about {minutes} "
                             "more minute(s). Try again later or ask an admin."), 429
        else:
            user = session.scalar(select(User).where(User.username == username))
            valid = (user or _stand_in()).check_password(form.password.data) and user
            session.add(LoginAttempt(username=username, address=address,
                                     succeeded=bool(valid and user.active)))
            if valid and user.active:
                user.last_login_at = utcnow()
                start_login(session, user)
                session.commit()
                login_user(user)
                return redirect(target or url_for("editor.queue"))
            session.commit()
            error, status = ("This account is disabled; ask an admin to enable it."
                             if valid else "Wrong username or password."), 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    """End the session's login: a copy of its cookie opens nothing any more."""
    if ActionForm().validate_on_submit():
        if current_user.is_authenticated:
            end_login(get_session(), current_user.login_token)
            get_session().commit()
        logout_user()
        flash("You are logged out.")
    return redirect(url_for("auth.login"))
