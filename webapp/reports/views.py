"""Reports: billing totals by currency, account and day, with a chart and a CSV; read-only."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from webapp.auth.services import role_required
from webapp.core.i18n import gettext as _
from webapp.core.replica import replica_reads, streamed
from webapp.reports import services
from webapp.reports.forms import ReportForm

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _query() -> tuple[ReportForm, services.ReportQuery | None]:
    """The filter form read from the query string, and the report's query when it is valid."""
    form = ReportForm(formdata=request.args)
    if not form.validate():
        return form, None
    query = services.ReportQuery.from_args({**request.args.to_dict(), **form.cleaned()})
    form.date_from.data, form.date_to.data = query.date_from, query.date_to  # show the defaults
    return form, query


@bp.get("/billing")
@role_required("viewer")
@replica_reads
def billing():
    """Billing over a date range: totals per currency with a daily chart, top accounts, tables."""
    form, query = _query()
    report = services.billing_report(query) if query else None
    return render_template("reports/billing.html", form=form, report=report), (
        200 if query else 422
    )


@bp.get("/billing.csv")
@role_required("viewer")
@replica_reads
def billing_csv():
    """Totals per day and account over the range, as CSV, streamed."""
    form, query = _query()
    if query is None:
        problems = "; ".join(f"{form[k].label.text}: {v[0]}" for k, v in form.errors.items())
        abort(
            422,
            description=_(
                "Correct the report's filters and export again (%(problems)s).", problems=problems
            ),
        )
    name = f"billing-{query.date_from.isoformat()}-{query.date_to.isoformat()}.csv"
    return Response(
        stream_with_context(streamed(services.export_csv(query))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
