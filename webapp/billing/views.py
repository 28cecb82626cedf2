"""An account's billing: charges and daily records, filtered and paged, and their CSV; read-only."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from webapp.accounts.models import Account
from webapp.accounts.services import account_or_404
from webapp.auth.services import role_required
from webapp.billing import queries
from webapp.billing.forms import BillingFilterForm
from webapp.core.i18n import gettext as _

bp = Blueprint("billing", __name__)
NUMBER = "<string(length=14):number>"


def _filter_form(account: Account) -> tuple[BillingFilterForm, queries.BillingFilter | None]:
    """The filter form read from the query string, and its filters when they are valid."""
    form = BillingFilterForm(formdata=request.args)
    form.set_providers(queries.providers(account))
    if not form.validate():
        return form, None
    return form, queries.BillingFilter.from_args({**request.args.to_dict(), **form.cleaned()})


@bp.get(f"/accounts/{NUMBER}/billing")
@role_required("viewer")
def index(number: str):
    """The account's charges and daily billing records with totals; bad filters answer 422."""
    account = account_or_404(number)
    form, filters = _filter_form(account)
    page = queries.billing_page(account, filters) if filters else None
    return render_template(
        "billing/index.html", account=account, form=form, billing_page=page
    ), 200 if filters else 422


@bp.get(f"/accounts/{NUMBER}/billing.csv")
@role_required("viewer")
def export(number: str):
    """The account's charges that match the filters, as CSV, streamed."""
    account = account_or_404(number)
    form, filters = _filter_form(account)
    if filters is None:
        fields = ", ".join(
            f"{form[name].label.text}: {errors[0]}" for name, errors in form.errors.items()
        )
        message = _("Correct the filters and export again (%(fields)s).", fields=fields)
        abort(422, description=message)
    rows = stream_with_context(queries.export_csv(account, filters))
    name = f"billing-{account.account_number}.csv"
    return Response(
        rows, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
