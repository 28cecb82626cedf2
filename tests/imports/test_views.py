"""The import page: upload → dry run → preview → Apply; bad files, conflicts, permissions."""

from __future__ import annotations

import io
import re
import time
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import csrf_token
from tests.imports.conftest import apply, upload
from webapp.accounts.models import Account
from webapp.audit.models import AuditEvent
from webapp.core.types import utcnow
from webapp.extensions import db
from webapp.imports import jobs
from webapp.imports.models import ImportJob


def names(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(Account.company_name)))


def test_upload_preview_apply(app, editor):
    response = upload(editor, "company_name,country\nAcme,us\nBeta,FR\n")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/accounts/import/\d+", location)
    page = editor.get(location).get_data(as_text=True)
    assert 'data-count="create">2<' in page and "nothing has been written" in page
    assert names(app) == []
    applied = apply(editor, location)
    assert applied.status_code == 303 and applied.headers["Location"] == location
    assert "Imported: 2 created" in editor.get(location).get_data(as_text=True)
    assert names(app) == ["Acme", "Beta"]
    with app.app_context():
        assert len(db.session.scalars(select(AuditEvent.id).where(
            AuditEvent.action == "account.create")).all()) == 2  # fmt: skip
        assert db.session.scalar(select(ImportJob.data)) == b""  # the upload goes once applied


def test_bad_rows_are_listed_and_cannot_be_applied(app, editor):
    data = "company_name,phone_number,city\nGood,,\n,,Oslo\nBad,12,\n"
    location = upload(editor, data).headers["Location"]
    page = editor.get(location).get_data(as_text=True)
    assert '<td>3</td><td class="mono">company_name</td><td>This field is required.</td>' in page
    assert '<td>4</td><td class="mono">phone_number</td>' in page
    assert "Apply:" not in page
    assert apply(editor, location).status_code == 409
    assert names(app) == []


def test_a_bad_file_gets_a_message_not_a_500(app, editor):
    cases = {
        "not UTF-8": "company_name\nCafé\n".encode("latin-1"),
        "empty": b"",
        "header row": b"Acme,Boston\n",
        "Unknown column: colour": b"company_name,colour\nA,red\n",
    }
    for message, data in cases.items():
        response = upload(editor, data)
        assert response.status_code == 422, message
        assert message in response.get_data(as_text=True)


def test_a_malformed_json_line_is_a_bad_row(app, editor):
    data = '{"company_name": "A"}\n{"company_name": \n'
    location = upload(editor, data, "a.jsonl").headers["Location"]
    page = editor.get(location).get_data(as_text=True)
    assert "<td>2</td>" in page and "Not valid JSON" in page


def test_a_file_over_the_limit_is_refused_with_a_page(app, editor):
    app.config["IMPORT_MAX_BYTES"] = 1000
    response = upload(editor, "company_name\n" + "Acme\n" * 20_000)
    assert response.status_code == 413
    assert "larger than" in response.get_data(as_text=True)
    near = upload(editor, "company_name\n" + "Acme\n" * 220)  # over the file limit, in the slack
    assert near.status_code == 422 and "most one import takes" in near.get_data(as_text=True)


def test_apply_after_an_account_changed_is_409(app, editor, make_account):
    account = make_account(company_name="Before")
    data = f"account_number,city\n{account.account_number},Rome\n"
    location = upload(editor, data).headers["Location"]
    account.company_name = "Changed meanwhile"
    db.session.commit()
    refused = apply(editor, location)
    assert refused.status_code == 409
    assert account.account_number in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Account, account.id).city == ""


def test_a_late_conflict_ends_the_job_with_409(app, editor, make_account):
    account = make_account(company_name="Before")
    location = upload(editor, f"account_number,city\n{account.account_number},Rome\n")
    location = location.headers["Location"]
    job = db.session.scalar(select(ImportJob))
    job.pins = {account.account_number: 7}  # as if the dry run saw another revision
    job.status, job_id = "applying", job.id
    db.session.commit()  # and no read after it: this test's transaction must not pin a snapshot
    jobs.start(job_id, "apply")  # inline, as the view starts it
    response = editor.get(location)
    assert response.status_code == 409 and "Nothing was imported" in response.get_data(as_text=True)


def test_viewers_get_403_and_strangers_the_login(app, signed_in):
    viewer = signed_in("viewer")
    assert viewer.get("/accounts/import").status_code == 403
    anonymous = app.test_client().get("/accounts/import")
    assert anonymous.status_code == 302 and "/login?next=" in anonymous.headers["Location"]


def test_upload_without_csrf_is_400(app, editor):
    data = {"file": (io.BytesIO(b"company_name\nA\n"), "a.csv")}
    assert editor.post("/accounts/import", data=data).status_code == 400
    assert names(app) == []


def test_another_users_job_is_404(app, editor, signed_in):
    location = upload(editor, "company_name\nA\n").headers["Location"]
    other = signed_in("editor", "other@example.com")
    assert other.get(location).status_code == 404
    token = csrf_token(other, "/accounts/import")
    assert other.post(f"{location}/apply", data={"csrf_token": token}).status_code == 404


def test_the_list_links_to_the_import_for_editors_only(app, editor, signed_in):
    assert 'href="/accounts/import"' in editor.get("/accounts/").get_data(as_text=True)
    viewer = signed_in("viewer")
    assert 'href="/accounts/import"' not in viewer.get("/accounts/").get_data(as_text=True)


def test_background_job_reports_progress_until_done(app, editor):
    app.config["IMPORT_INLINE"] = False
    rows = "".join(f"Company {i}\n" for i in range(3000))
    location = upload(editor, "company_name\n" + rows).headers["Location"]
    state = wait_for(editor, location, "checked")
    assert state["done"] == 0 and state["total"] == 3000
    assert apply(editor, location).status_code == 303
    assert wait_for(editor, location, "applied")["done"] == 3000
    assert len(names(app)) == 3000


def wait_for(client, location: str, status: str, timeout: float = 60) -> dict:
    """Poll the job's progress (as the page's script does) until it reaches ``status``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(f"{location}/progress").get_json()
        if state["status"] == status:
            return state
        assert state["status"] in ("checking", "checked", "applying"), state
        time.sleep(0.05)
    raise AssertionError(f"job never reached {status}")


def test_apply_sent_twice_imports_once(app, editor):
    location = upload(editor, "company_name\nOnce Co\n").headers["Location"]
    page = editor.get(location).get_data(as_text=True)
    key = re.search(r'name="write_key"[^>]*value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_token(editor, location), "write_key": key}
    first = editor.post(f"{location}/apply", data=data)
    second = editor.post(f"{location}/apply", data=data)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"] == location
    assert names(app) == ["Once Co"]


def test_progress_of_an_unknown_job_is_404_json(app, editor):
    response = editor.get("/accounts/import/999/progress", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.is_json


def test_a_second_apply_from_another_page_is_refused(app, editor):
    location = upload(editor, "company_name\nOnly Once\n").headers["Location"]
    page = editor.get(location).get_data(as_text=True)  # a second tab, still showing Apply
    with app.app_context():
        job = db.session.scalar(select(ImportJob))
        assert jobs.claim_apply(job) and job.status == "applying"
        assert not jobs.claim_apply(job)  # the loser of a race between two Applies
        db.session.commit()
    key = re.search(r'name="write_key"[^>]*value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_token(editor, location), "write_key": key}
    second = editor.post(f"{location}/apply", data=data)
    assert second.status_code == 409 and "cannot be applied now" in second.get_data(as_text=True)
    assert names(app) == []


def test_a_job_whose_worker_went_away_says_so(app, editor):
    location = upload(editor, "company_name\nLost\n").headers["Location"]
    with app.app_context():
        job = db.session.scalar(select(ImportJob))
        job.status, job.updated_at = "applying", utcnow() - timedelta(hours=1)
        db.session.commit()
    assert editor.get(f"{location}/progress").get_json()["status"] == "stalled"
    assert "This import stopped" in editor.get(location).get_data(as_text=True)


def test_a_file_of_more_than_50_mb_is_refused_before_it_is_read(app, editor):
    token = csrf_token(editor, "/accounts/import")
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + b"company_name\n"
        + b"A" * (51 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    # Built by hand: the test client would spool a body this big to a file it never closes.
    response = editor.post(
        "/accounts/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than 50 MB" in page and 'name="file"' in page
