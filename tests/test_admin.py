"""Admin pages: accounts are added, disabled, reset and promoted, each change audited."""

from sqlalchemy import select

from models import AuditEntry, User


def text(response) -> str:
    return response.get_data(as_text=True)


def user(app, name) -> User:
    with app.extensions["database"].read_session() as session:
        return session.scalar(select(User).where(User.username == name))


def test_admin_adds_an_account_that_can_log_in(app, client, auth):
    auth.login("ada")
    assert "Users" in text(client.get("/admin/users"))
    weak = auth.post("/admin/users", {"username": "eve", "role": "editor",
                                      "password": "short"})
    assert weak.status_code == 400
    assert 'id="password-error">The password must have at least 12 characters.' in text(weak)
    named = auth.post("/admin/users", {"username": "eve", "role": "editor",
                                       "password": "eve-is-my-password"})
    assert "too easy to guess" in text(named)
    taken = auth.post("/admin/users", {"username": "edna", "role": "editor",
                                       "password": "a-long-fine-passphrase"})
    assert "That username is taken." in text(taken)
    response = auth.post("/admin/users", {"username": "eve", "role": "editor",
                                          "password": "a-long-fine-passphrase"})
    assert response.status_code == 302 and user(app, "eve").role == "editor"
    auth.logout()
    assert auth.login("eve", "a-long-fine-passphrase").status_code == 302


def test_disable_reset_and_role_changes_are_audited(app, client, auth):
    edna = user(app, "edna").id
    auth.login("ada")
    auth.post(f"/admin/users/{edna}/role", {"role": "admin"})
    auth.post(f"/admin/users/{edna}/password", {"password": "brand-new-passphrase"})
    auth.post(f"/admin/users/{edna}/active")
    assert not user(app, "edna").active and user(app, "edna").role == "admin"
    assert "Password not changed" in text(auth.post(
        f"/admin/users/{edna}/password", {"password": "123"}, follow_redirects=True))
    with app.extensions["database"].read_session() as session:
        audit = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(a.action, a.user.username, a.entity_id) for a in audit] == [
            ("user-role", "ada", edna), ("user-password", "ada", edna),
            ("user-disable", "ada", edna)]
    auth.logout()
    assert auth.login("edna", "brand-new-passphrase").status_code == 401


def test_the_last_admin_cannot_lock_themselves_out(app, client, auth):
    ada = user(app, "ada").id
    auth.login("ada")
    response = auth.post(f"/admin/users/{ada}/active", follow_redirects=True)
    assert "You cannot disable the last active admin." in text(response)
    response = auth.post(f"/admin/users/{ada}/role", {"role": "editor"}, follow_redirects=True)
    assert "You cannot demote the last active admin." in text(response)
    assert user(app, "ada").active and user(app, "ada").is_admin


def test_an_editor_sees_no_users_link_and_gets_403(client, auth):
    auth.login()
    assert "/admin/users" not in text(client.get("/editor/"))
    assert client.get("/admin/users").status_code == 403
