"""The OpenAPI 3.1 document: valid, public, and describing every route and answer."""

from __future__ import annotations

from openapi_spec_validator import validate

STATUSES = {"401", "403", "404", "422", "429"}


def test_openapi_is_valid_31_and_needs_no_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_every_api_route_is_described_with_its_error_answers(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    described = {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    routes = {
        (
            rule.rule.removeprefix("/api/v1")
            .replace("<", "{")
            .replace(">", "}")
            .replace("int:", ""),
            method,
        )
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api_v1.") and rule.endpoint != "api_v1.openapi"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == described
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            codes = set(operation["responses"])
            assert STATUSES <= codes, (path, method)
            if method in ("patch", "delete"):
                assert {"412", "428"} <= codes
            problem = operation["responses"]["422"]["content"]
            assert "application/problem+json" in problem


def test_created_resources_link_to_their_operations(client):
    document = client.get("/api/v1/openapi.json").get_json()
    links = document["paths"]["/accounts"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in links.values()} == {
        "getAccount",
        "updateAccount",
        "deleteAccount",
        "createContact",
    }
    assert links["GetAccount"]["parameters"] == {"path.number": "$response.body#/account_number"}
    contact_links = document["paths"]["/accounts/{number}/contacts"]["post"]["responses"]["201"]
    assert contact_links["links"]["UpdateContact"]["parameters"] == {
        "path.number": "$request.path.number",
        "path.contact_id": "$response.body#/id",
        "header.If-Match": "$response.header.ETag",
    }
