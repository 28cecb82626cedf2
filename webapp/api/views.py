"""Staff pages of the API: one's own tokens at ``/tokens``, and the API docs at ``/api/docs``."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, session, url_for
from flask_login import current_user

from webapp.api import services
from webapp.api.forms import TokenForm
from webapp.api.models import ApiToken
from webapp.auth.forms import ButtonForm
from webapp.auth.services import role_required
from webapp.core.i18n import gettext as _
from webapp.core.i18n import lazy_gettext as _l
from webapp.core.idempotency import finish
from webapp.errors import ValidationError
from webapp.extensions import db

bp = Blueprint("tokens", __name__)
SHOWN_ONCE = _l("Token created. Copy it now: it is shown only once.")


NEW_SECRET = "api_token_secret"


@bp.get("/tokens")
@role_required("viewer")
def index():
    """The signed-in user's tokens, a form for a new one, and a new token's secret once."""
    return _page(TokenForm(), secret=session.pop(NEW_SECRET, None))


def _page(form: TokenForm, secret: str | None = None, status: int = 200):
    tokens = services.tokens_of(current_user.id)
    page = render_template("api/tokens.html", form=form, tokens=tokens, secret=secret)
    return page, status


@bp.post("/tokens")
@role_required("viewer")
def create():
    """Create a token; the next page shows its secret once (then it is gone for good).

    The secret rides to that page in the session, which only this user's browser and this
    server see; the page's GET removes it. A resent form answers with the same redirect and
    makes no second token.
    """
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        secret = services.create_token(
            current_user, form.scope.data, form.expires_days.data, form.name.data, by=current_user
        )
    except ValidationError as exc:
        db.session.rollback()
        getattr(form, exc.field, form.scope).errors.append(exc.message)
        return _page(form, status=422)
    session[NEW_SECRET] = secret
    return finish(str(SHOWN_ONCE), url_for("tokens.index"))


@bp.post("/tokens/<int:token_id>/revoke")
@role_required("viewer")
def revoke(token_id: int):
    """Revoke one of one's own tokens (another user's is a 404)."""
    token = db.session.get(ApiToken, token_id) if token_id < 2**31 else None
    if token is None or token.user_id != current_user.id:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.revoke_token(token, by=current_user)
    return finish(_("Token %(prefix)s… revoked.", prefix=token.prefix), url_for("tokens.index"))


@bp.get("/api/docs")
@role_required("viewer")
def docs():
    """The API described by its OpenAPI document, rendered by Swagger UI (vendored)."""
    return render_template("api/docs.html", spec_url=url_for("api_v1.openapi"))
