"""The audit trail for every reader: filter, page and export; nothing here changes an event."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, stream_with_context

from webapp.audit import queries
from webapp.audit.forms import AuditFilterForm
from webapp.audit.services import SECRET_FIELDS
from webapp.auth.services import role_required
from webapp.core.replica import replica_reads, streamed

bp = Blueprint("audit", __name__)


@bp.app_template_global()
def audit_secret_fields() -> frozenset[str]:
    """The fields event rows show only as "changed", whatever an event holds."""
    return SECRET_FIELDS


def _invalid(form: AuditFilterForm):
    """The filters again with a message at each bad one, and no events."""
    return render_template("audit/index.html", form=form, page=None), 422


@bp.get("/audit")
@role_required("viewer")
@replica_reads
def index():
    """Every recorded change and sign-in event, newest first, filtered and paged."""
    form = AuditFilterForm(request.args)
    if not form.validate():
        return _invalid(form)
    conditions = queries.filter_conditions(**form.filters())
    keyset = queries.Keyset.from_args(request.args)
    page = queries.with_accounts(queries.event_page(conditions, keyset, args=form.args()))
    return render_template("audit/index.html", form=form, page=page)


@bp.get("/audit/export.csv")
@role_required("viewer")
@replica_reads
def export():
    """Every event the filters match, as CSV, streamed."""
    form = AuditFilterForm(request.args)
    if not form.validate():
        return _invalid(form)
    conditions = queries.filter_conditions(**form.filters())
    rows = stream_with_context(streamed(queries.export_csv(conditions)))
    return Response(
        rows,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
