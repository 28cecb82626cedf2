"""Issue 12 part 6: a country given as alpha-2 in any case is accepted and stored as alpha-3,
the same way through the form, the model and the import (one rule, webapp.core.validators)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.accounts.test_views import form_data
from tests.conftest import csrf_token
from webapp.accounts.models import Account
from webapp.extensions import db
from webapp.imports import services


@pytest.mark.parametrize("given", ["us", "US", "Us", "usa"])
def test_the_form_accepts_alpha2_and_stores_alpha3(app, signed_in, given):
    client = signed_in("editor")
    token = csrf_token(client, "/accounts/new")
    data = {**form_data(company_name=f"Form {given}", country=given), "csrf_token": token}
    response = client.post("/accounts/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        stored = db.session.scalar(select(Account).where(Account.company_name == f"Form {given}"))
        assert stored.country == "USA"


def test_the_model_accepts_alpha2(ctx):
    assert Account.create(company_name="Model", country="gb").country == "GBR"


def test_the_import_accepts_alpha2(ctx):
    plan = services.check(b"company_name,country\nImported,de\n")
    services.apply(plan, "tester")
    db.session.commit()
    assert db.session.scalar(select(Account.country)) == "DEU"


def test_an_unknown_code_is_refused_everywhere_with_the_same_words(ctx):
    plan = services.check(b"company_name,country\nImported,zz\n")
    assert plan.bad[0].message == "Use an ISO 3166-1 country code such as USA or US."
