"""Admin pages: manage editor and admin accounts. Every change is audited."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from models import User, password_problem, record_audit
from web.auth import no_store, require_login
from web.db import get_session
from web.editor import workspace_globals
from web.editor_forms import ActionForm, PasswordResetForm, RoleForm, UserAddForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_login("admin"))
bp.after_request(no_store)
bp.context_processor(workspace_globals)


def _render(add_form=None, status=200):
    users = get_session().scalars(select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=users, add_form=add_form or UserAddForm(),
                           action_form=ActionForm(), password_form=PasswordResetForm(),
                           role_form=RoleForm()), status


def _user(user_id) -> User:
    user = get_session().get(User, user_id, with_for_update=True)
    if user is None:
        abort(404)
    return user


def _last_active_admin(user: User) -> bool:
    admins = get_session().scalar(select(func.count()).where(User.role == "admin",
                                                             User.active.is_(True)))
    return user.is_admin and user.active and admins <= 1


@bp.get("/users")
def users():
    """The accounts."""
    return _render()


@bp.post("/users")
def add_user():
    """Add an account."""
    form = UserAddForm()
    session = get_session()
    if form.validate_on_submit():
        if session.scalar(select(User.id).where(User.username == form.username.data)):
            form.username.errors = [*form.username.errors, "That username is taken."]
        else:
            user = User(username=form.username.data, role=form.role.data)
            user.set_password(form.password.data)
            session.add(user)
            session.flush()
            record_audit(session, current_user, "user-add", "user", user.id,
                         after={"username": user.username, "role": user.role})
            session.commit()
            flash(f"Account {user.username} ({user.role}) added.")
            return redirect(url_for("admin.users"))
    return _render(form, 400)


@bp.post("/users/<int:user_id>/active")
def toggle_active(user_id):
    """Disable an account (it can no longer log in) or enable it again."""
    user = _user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if _last_active_admin(user):
        flash("You cannot disable the last active admin.", "error")
    else:
        user.set_active(not user.active)
        record_audit(get_session(), current_user,
                     "user-enable" if user.active else "user-disable", "user", user.id,
                     before={"active": not user.active}, after={"active": user.active})
        get_session().commit()
        flash(f"{user.username} is {'enabled' if user.active else 'disabled'}.")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id):
    """Set a new password; the account's other sessions end."""
    user = _user(user_id)
    form = PasswordResetForm()
    problem = password_problem(form.password.data or "", user.username)
    if not form.validate_on_submit() or problem:
        flash(f"Password not changed: {problem or 'the form expired, try again'}.", "error")
        return redirect(url_for("admin.users"))
    user.set_password(form.password.data)
    record_audit(get_session(), current_user, "user-password", "user", user.id)
    get_session().commit()
    flash(f"Password of {user.username} changed.")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/role")
def change_role(user_id):
    """Make an account an editor or an admin."""
    user = _user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    if form.role.data != user.role and _last_active_admin(user):
        flash("You cannot demote the last active admin.", "error")
    elif form.role.data != user.role:
        before, user.role = user.role, form.role.data
        record_audit(get_session(), current_user, "user-role", "user", user.id,
                     before={"role": before}, after={"role": user.role})
        get_session().commit()
        flash(f"{user.username} is now {'an admin' if user.is_admin else 'an editor'}.")
    return redirect(url_for("admin.users"))
