"""Import screens: upload → dry run (with progress) → preview → Apply, for editors."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from webapp.auth.services import role_required
from webapp.core.i18n import gettext as _
from webapp.core.i18n import number
from webapp.core.idempotency import finish
from webapp.imports import jobs, services
from webapp.imports.forms import ApplyForm, UploadForm
from webapp.imports.models import ImportJob
from webapp.imports.reading import MAX_BYTES, MB, FileProblem, precheck

bp = Blueprint("imports", __name__, url_prefix="/accounts/import")
SHOWN_BAD_ROWS = 1000  # listed on the page; the command line and the counts cover the rest
FORM_SLACK = 64 * 1024  # the upload's other fields and multipart framing


def _max_bytes() -> int:
    return current_app.config.get("IMPORT_MAX_BYTES", MAX_BYTES)


@bp.url_value_preprocessor
def limit_upload(endpoint: str | None, values: dict | None) -> None:
    # Runs before every before_request hook, CSRF's included, which is the first to read the
    # body: so an upload past the limit is refused (413) before anyone reads it.
    request.max_content_length = _max_bytes() + FORM_SLACK


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc: RequestEntityTooLarge):
    """413 with the upload form and a message that says what to do."""
    form = UploadForm(formdata=None)
    limit = number(round(_max_bytes() / MB))
    message = _("The file is larger than %(limit)s MB. Split it and try again.", limit=limit)
    form.file.errors = [message]
    return render_template("imports/upload.html", form=form), 413


@bp.route("", methods=["GET", "POST"])
@role_required("editor")
def upload():
    """Upload a file; its dry run starts at once and nothing is written until Apply."""
    form = UploadForm()
    if form.validate_on_submit():
        data, name = form.file.data.read(), form.file.data.filename or ""
        try:
            precheck(data, name, _max_bytes())
        except FileProblem as exc:
            form.file.errors.append(str(exc))
        else:
            job = jobs.create(data, name, current_user)
            response = finish(None, url_for("imports.job", job_id=job.id))
            jobs.start(job.id, "check")
            return response
    return render_template("imports/upload.html", form=form), 422 if form.errors else 200


@bp.get("/<int:job_id>")
@role_required("editor")
def job(job_id: int):
    """The job: its progress while it runs, then the dry run's counts and bad rows, or the end."""
    found = jobs.job_or_404(job_id, current_user)
    return _page(found, 409 if found.status == "conflict" else 200)


@bp.get("/<int:job_id>/progress")
@role_required("editor")
def progress(job_id: int):
    """Where the job stands, as JSON, for static/js/imports.js."""
    return jsonify(jobs.progress(jobs.job_or_404(job_id, current_user)))


@bp.post("/<int:job_id>/apply")
@role_required("editor")
def apply(job_id: int):
    """Import the checked file in one transaction; refused (409) if an account moved since."""
    found = jobs.job_or_404(job_id, current_user)
    form = ApplyForm()
    if not form.validate_on_submit():
        return _page(found, 422, "This form is damaged: reload the page and try again.")
    if found.status != "checked" or found.bad_rows:
        return _page(found, 409, "This file cannot be applied now: check a corrected file.")
    try:
        services.refuse_if_moved(found.pins)
    except services.Conflict as exc:
        return _page(found, 409, str(exc))
    if not jobs.claim_apply(found):
        return _page(found, 409, "This file is being applied already (from another page).")
    response = finish(None, url_for("imports.job", job_id=found.id))
    jobs.start(found.id, "apply")
    return response


def _page(found: ImportJob, status: int = 200, refusal: str = ""):
    """The job's page; a refusal says why nothing was written."""
    return render_template(
        "imports/job.html",
        job=found,
        progress=jobs.progress(found),
        bad_rows=found.bad_rows[:SHOWN_BAD_ROWS],
        apply_form=ApplyForm(formdata=None),
        upload_form=UploadForm(formdata=None),
        refusal=refusal,
    ), status
