"""Two-factor sign-in (issue 14): enrolment, the second step, recovery codes, throttling."""

from __future__ import annotations

import re
import time

import pyotp
from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_token, login, post, statements_of
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db
from webapp.twofactor import pending, services
from webapp.twofactor.models import RecoveryCode


def enrolled(app, make_user, email: str = "ada@example.com", role: str = "viewer"):
    """A staff user with two-factor on: (id, secret, recovery codes)."""
    uid = make_user(email, role)
    with app.app_context():
        user = db.session.get(User, uid)
        secret = services.new_secret()
        codes = services.enrol(user, secret, pyotp.TOTP(secret).now(), "127.0.0.1")
        db.session.commit()
    return uid, secret, codes


def next_code(secret: str, steps: int = 1) -> str:
    """The app's code ``steps`` steps from now (enrolment spent the current one)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def send_code(client, code: str):
    return client.post(
        "/login/code", data={"code": code, "csrf_token": csrf_token(client, "/login/code")}
    )


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(db.session.scalars(query))


def _id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).filter_by(email="ada@example.com"))


def test_enrolment_refuses_a_wrong_code_then_shows_recovery_codes_once(app, signed_in):
    client = signed_in("editor")
    page = client.get("/2fa/enrol").get_data(as_text=True)
    assert "<svg" in page and "<title>QR code" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    wrong = post(client, "/2fa/enrol", {"code": "000000"}, "/2fa/enrol")
    assert wrong.status_code == 422 and "does not match" in wrong.get_data(as_text=True)
    right = post(client, "/2fa/enrol", {"code": pyotp.TOTP(secret).now()}, "/2fa/enrol")
    assert right.status_code == 303 and right.headers["Location"] == "/2fa/recovery-codes"
    shown = client.get("/2fa/recovery-codes").get_data(as_text=True)
    assert len(re.findall(r"<li>[a-z2-9]{5}-[a-z2-9]{5}</li>", shown)) == 10
    assert "already shown" in client.get("/2fa/recovery-codes").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalars(select(User).filter_by(email="editor@example.com")).one()
        assert user.has_two_factor and user.totp_secret == secret
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 10
    [event] = events(app, "user.2fa_enrol")
    assert secret not in str(event.changes)


def test_sign_in_with_a_code_and_the_code_cannot_be_replayed(app, client, make_user):
    _, secret, _ = enrolled(app, make_user)
    first = login(client, "ada@example.com")
    assert first.status_code == 303 and first.headers["Location"] == "/login/code"
    assert client.get("/accounts/").headers["Location"].startswith("/login?next=")
    code = next_code(secret)
    response = send_code(client, code)
    assert response.status_code == 303 and response.headers["Location"] == "/accounts/"
    assert client.get("/accounts/").status_code == 200
    assert [e.changes for e in events(app, "login.success")] == [{"method": "totp"}]
    assert len(events(app, "login.password_ok")) == 1
    post(client, "/logout")
    login(client, "ada@example.com")
    replay = send_code(client, code)
    assert replay.status_code == 422
    assert client.get("/accounts/").status_code == 302


def test_next_survives_the_second_step(app, client, make_user):
    _, secret, _ = enrolled(app, make_user)
    client.post(
        "/login?next=/staff/",
        data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert send_code(client, next_code(secret)).headers["Location"] == "/staff/"


def test_a_recovery_code_works_once(app, client, make_user):
    _, _, codes = enrolled(app, make_user)
    login(client, "ada@example.com")
    assert send_code(client, codes[3].upper()).status_code == 303
    assert [e.changes for e in events(app, "login.success")] == [{"method": "recovery"}]
    post(client, "/logout")
    login(client, "ada@example.com")
    assert send_code(client, codes[3]).status_code == 422
    assert client.get("/accounts/").status_code == 302


def test_second_step_failures_are_audited_and_throttled_with_password_failures(
    app, client, make_user
):
    _, secret, _ = enrolled(app, make_user)
    for _ in range(5):
        login(client, "ada@example.com", "not-the-password-1")
    login(client, "ada@example.com")
    for _ in range(5):
        assert send_code(client, "123456").status_code == 422
    failures = events(app, "login.failure")
    assert len(failures) == 10
    assert failures[-1].email == "ada@example.com" and failures[-1].client_addr == "127.0.0.1"
    assert failures[-1].changes == {"reason": "second step"}
    throttled = send_code(client, next_code(secret))
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers
    assert client.get("/accounts/").status_code == 302


def test_the_pending_step_expires(app, client, make_user):
    _, secret, _ = enrolled(app, make_user)
    login(client, "ada@example.com")
    with client.session_transaction() as session:
        session[pending.KEY] = {**session[pending.KEY], "exp": time.time() - 1}
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_no_pending_step_sends_to_login(client):
    assert client.get("/login/code").headers["Location"] == "/login"


def test_second_step_without_csrf_is_400(app, client, make_user):
    _, secret, _ = enrolled(app, make_user)
    login(client, "ada@example.com")
    assert client.post("/login/code", data={"code": next_code(secret)}).status_code == 400
    assert client.get("/accounts/").status_code == 302


def test_required_two_factor_sends_to_enrolment_and_the_guard_holds(app, signed_in, make_user):
    admin = signed_in("admin")
    assert post(admin, "/staff/two-factor/require", form_page="/staff/").status_code == 303
    assert len(events(app, "setting.require_2fa")) == 1
    make_user("new@example.com", "viewer")
    client = app.test_client()
    response = login(client, "new@example.com")
    assert response.headers["Location"] == "/2fa/enrol"
    for path in ("/accounts/", "/staff/", "/2fa"):
        assert client.get(path).headers["Location"] == "/2fa/enrol", path
    page = client.get("/2fa/enrol").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    post(client, "/2fa/enrol", {"code": pyotp.TOTP(secret).now()}, "/2fa/enrol")
    assert client.get("/accounts/").status_code == 200
    assert post(client, "/logout").status_code == 303


def test_required_two_factor_cannot_be_turned_off(app, make_user):
    _, secret, _ = enrolled(app, make_user)
    with app.app_context():
        services.set_required(True, by="test")
        db.session.commit()
    client = app.test_client()
    login(client, "ada@example.com")
    send_code(client, next_code(secret))
    response = post(client, "/2fa/disable", {"password": PASSWORD}, "/2fa")
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(User, _id(app)).has_two_factor


def test_turning_off_and_new_recovery_codes_need_the_password(app, client, make_user):
    uid, secret, codes = enrolled(app, make_user)
    login(client, "ada@example.com")
    send_code(client, next_code(secret))
    assert post(client, "/2fa/disable", {"password": "wrong-password-1"}, "/2fa").status_code == 422
    fresh = post(client, "/2fa/recovery-codes/new", {"password": PASSWORD}, "/2fa")
    assert fresh.headers["Location"] == "/2fa/recovery-codes"
    assert codes[0] not in client.get("/2fa/recovery-codes").get_data(as_text=True)
    assert post(client, "/2fa/disable", {"password": PASSWORD}, "/2fa").status_code == 303
    with app.app_context():
        assert not db.session.get(User, uid).has_two_factor
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert len(events(app, "user.2fa_recovery_regenerated")) == 1
    assert len(events(app, "user.2fa_disable")) == 1


def test_only_admins_require_two_factor_or_reset_it(app, signed_in, make_user):
    uid, _, _ = enrolled(app, make_user, "victim@example.com")
    for role in ("viewer", "editor"):
        client = signed_in(role)
        assert post(client, "/staff/two-factor/require").status_code == 403
        assert post(client, f"/staff/{uid}/reset-2fa").status_code == 403
    admin = signed_in("admin")
    assert post(admin, f"/staff/{uid}/reset-2fa", form_page="/staff/").status_code == 303
    [event] = events(app, "user.reset_2fa")
    assert event.actor == "admin@example.com" and event.object_id == str(uid)
    with app.app_context():
        assert not db.session.get(User, uid).has_two_factor


def test_cli_reset_2fa_is_audited_and_refuses_an_unknown_email(app, runner, make_user):
    uid, _, _ = enrolled(app, make_user)
    result = runner.invoke(args=["users", "reset-2fa", "--email", "ADA@example.com"])
    assert result.exit_code == 0 and "was reset" in result.output
    [event] = events(app, "user.reset_2fa")
    assert event.actor == "cli" and event.object_id == str(uid)
    with app.app_context():
        assert not db.session.get(User, uid).has_two_factor
    unknown = runner.invoke(args=["users", "reset-2fa", "--email", "nobody@example.com"])
    assert unknown.exit_code != 0 and "No user has the email" in unknown.output


def test_two_factor_adds_no_sql_to_an_ordinary_page(app, make_user, signed_in):
    plain = signed_in("viewer", "plain@example.com")
    _, secret, _ = enrolled(app, make_user, "ada@example.com")
    client = app.test_client()
    login(client, "ada@example.com")
    send_code(client, next_code(secret))
    for c in (plain, client):  # warm the user cache
        c.get("/accounts/")
    _, baseline = statements_of(app, lambda: plain.get("/accounts/"))
    _, with_2fa = statements_of(app, lambda: client.get("/accounts/"))
    assert len(with_2fa) == len(baseline)
    assert not any("app_setting" in s or "recovery_code" in s for s in with_2fa)


def test_odd_codes_are_refused_not_errors(app, client, make_user):
    enrolled(app, make_user)
    login(client, "ada@example.com")
    for odd in ("１２３４５６", "12345６", "²²²²²²", "ß" * 10, "😀" * 6):
        assert send_code(client, odd).status_code == 422, odd


def test_a_remembered_sign_in_must_enrol_too_once_required(app, make_user):
    make_user("ada@example.com", "viewer")
    client = app.test_client()
    login(client, "ada@example.com", remember="y")
    remembered = client.get_cookie("remember_token").value
    with app.app_context():
        services.set_required(True, by="test")
        db.session.commit()
    later = app.test_client()  # the browser came back after its session cookie ended
    later.set_cookie("remember_token", remembered)
    assert later.get("/accounts/").headers["Location"] == "/2fa/enrol"


def test_admin_makes_two_factor_optional_again(app, signed_in):
    admin = signed_in("admin")
    post(admin, "/staff/two-factor/require", form_page="/staff/")
    assert "is <strong>required</strong>" in admin.get("/staff/").get_data(as_text=True)
    post(admin, "/staff/two-factor/allow", form_page="/staff/")
    assert "is <strong>optional</strong>" in admin.get("/staff/").get_data(as_text=True)
    changes = [e.changes for e in events(app, "setting.require_2fa")]
    assert changes == [{"require_2fa": [False, True]}, {"require_2fa": [True, False]}]


def test_wrong_passwords_on_the_settings_page_count_to_the_sign_in_limit(app, client, make_user):
    _, secret, _ = enrolled(app, make_user)
    login(client, "ada@example.com")
    send_code(client, next_code(secret))
    for _ in range(10):
        wrong = post(client, "/2fa/disable", {"password": "wrong-pass-99"}, "/2fa")
        assert wrong.status_code == 422
    assert post(client, "/2fa/disable", {"password": PASSWORD}, "/2fa").status_code == 429
    assert len(events(app, "login.failure")) == 10
    with app.app_context():
        assert db.session.get(User, _id(app)).has_two_factor
