"""Account screens: list, export, create, detail, edit, state changes, delete, history."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from webapp.accounts import choices, queries, services
from webapp.accounts.forms import AccountForm
from webapp.accounts.models import Account
from webapp.audit.queries import Keyset
from webapp.auth.forms import ButtonForm
from webapp.auth.services import role_required
from webapp.core.i18n import gettext as _
from webapp.core.i18n import lazy_gettext as _l
from webapp.core.idempotency import finish
from webapp.core.replica import replica_reads, streamed
from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.presence import services as presence
from webapp.savedviews import services as saved
from webapp.undo import services as undo

bp = Blueprint("accounts", __name__, url_prefix="/accounts")
NUMBER = "<string(length=14):number>"
LIST_STATE = "accounts_list"
STATE_DONE = {
    "activate": _l("Account %(number)s: activate done."),
    "deactivate": _l("Account %(number)s: deactivate done."),
    "make-default": _l("Account %(number)s: make default done."),
}
bp.record_once(lambda state: choices.publish(state.app))  # the form's long lists, as static JSON


@bp.app_context_processor
def list_url() -> dict[str, str]:
    """The list as the user last left it (search, filters, sort, page)."""
    return {"list_url": url_for("accounts.index", **session.get(LIST_STATE, {}))}


def _form_errors(form: AccountForm, exc: ValidationError) -> None:
    for field, message in exc.errors.items():
        getattr(form, field, form.company_name).errors.append(message)


@bp.get("/")
@role_required("viewer")
@replica_reads
def index():
    """The searchable, filterable, sortable list of accounts."""
    query = queries.ListQuery.from_args(request.args)
    if session.get(LIST_STATE) != (state := query.args()):
        session[LIST_STATE] = state  # so detail, edit and delete lead back to this view
    return render_template(
        "accounts/index.html",
        page=queries.list_page(query),
        query=query,
        accounts_path=url_for("accounts.index"),  # + number = a detail page, without 25 url_for
        saved_views=saved.visible_views(current_user),
        saved_query=saved.normalise(request.args.to_dict()),
        saved_views_path=url_for("savedviews.index"),  # + id = a view's stable URL
    )


@bp.get("/export.csv")
@role_required("viewer")
@replica_reads
def export():
    """Every account the list's query matches, as CSV, streamed."""
    query = queries.ListQuery.from_args(request.args)
    rows = stream_with_context(streamed(queries.export_csv(query)))
    return Response(
        rows,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="accounts.csv"'},
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("editor")
def create():
    """Create an account; a blank number is generated."""
    form = AccountForm()
    if form.validate_on_submit():
        try:
            account = services.create_account(
                form.cleaned, form.account_number.data, by=current_user
            )
            message = _("Created account %(number)s.", number=account.account_number)
            return finish(message, _next(form, account))
        except ValidationError as exc:
            db.session.rollback()
            _form_errors(form, exc)
    return render_template(
        "accounts/form.html", form=form, account=None
    ), 422 if form.errors else 200


def _next(form: AccountForm, account: Account) -> str:
    """Where the button pressed leads after a save: a new form, the form again, or the detail."""
    if form.save_add.data:
        return url_for("accounts.create")
    if form.save_continue.data:
        return url_for("accounts.edit", number=account.account_number)
    return url_for("accounts.detail", number=account.account_number)


@bp.get(f"/{NUMBER}")
@role_required("viewer")
def detail(number: str):
    """One account: its fields, tags, contacts, members and recent billing."""
    account = services.account_or_404(number)
    return render_template("accounts/detail.html", account=account, **services.overview(account))


@bp.route(f"/{NUMBER}/edit", methods=["GET", "POST"])
@role_required("editor")
def edit(number: str):
    """Edit an account; a save from a stale revision is refused with what changed (409)."""
    account = services.account_or_404(number)
    form = AccountForm()
    if request.method == "GET":
        form.load(account)
    elif form.validate_on_submit():
        if form.revision.data and form.revision.data != str(account.revision):
            return _conflict(form, account)
        try:
            services.update_account(account, form.cleaned, by=current_user)
            message = _("Saved account %(number)s.", number=account.account_number)
            return finish(message, _next(form, account))
        except ValidationError as exc:
            db.session.rollback()
            _form_errors(form, exc)
        except StaleDataError:
            db.session.rollback()
            return _conflict(form, services.account_or_404(number))
    status = 422 if form.errors else 200
    notice = presence.notice("account", account.id, current_user, number=number)
    return render_template(
        "accounts/form.html", form=form, account=account, presence=notice
    ), status


def _conflict(form: AccountForm, account: Account):
    """409: someone saved first; show theirs next to yours and offer to re-apply yours."""
    differences = services.changed_fields(account, form.cleaned)
    form.revision.data = str(account.revision)
    return render_template(
        "accounts/conflict.html", form=form, account=account, differences=differences
    ), 409


@bp.post(f"/{NUMBER}/<any(activate, deactivate, 'make-default'):action>")
@role_required("editor")
def change_state(number: str, action: str):
    """Activate, deactivate or make default."""
    account = services.account_or_404(number)
    if not ButtonForm().validate_on_submit():
        abort(400)
    event = services.set_state(account, action, by=current_user)
    message = STATE_DONE[action] % {"number": account.account_number}
    return undo.finish(message, url_for("accounts.detail", number=account.account_number), event)


@bp.route(f"/{NUMBER}/delete", methods=["GET", "POST"])
@role_required("admin")
def delete(number: str):
    """Confirm, then delete; refused (409) while charges or billing records exist."""
    account = services.account_or_404(number)
    counts = services.attached_counts(account)
    blocked = counts["charges"] or counts["billing records"]
    if not blocked and ButtonForm().validate_on_submit():
        services.delete_account(account, by=current_user)
        back = url_for("accounts.index", **session.get(LIST_STATE, {}))
        return finish(_("Deleted account %(number)s.", number=number), back)
    status = 409 if request.method == "POST" else 200
    return render_template(
        "accounts/delete.html", account=account, counts=counts, blocked=blocked
    ), status


@bp.get(f"/{NUMBER}/history")
@role_required("viewer")
def history(number: str):
    """Who changed which field from what to what, when."""
    account = services.account_or_404(number)
    page = services.history(account, Keyset.from_args(request.args))
    return render_template("accounts/history.html", account=account, page=page)
