"""The OpenAPI document describes what the API really answers: real responses of every endpoint,
with data, filters, errors and 304s, validate against its schemas."""

import re

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from web.openapi import DOCUMENT

BASE = "urn:reliefmap:openapi"
REGISTRY = Registry().with_resource(BASE, DRAFT202012.create_resource(DOCUMENT))

CASES = [
    "/clinics",
    "/clinics?per_page=2&page=2",
    "/clinics?condition=crps&treatment=ketamine-iv-infusion&country=US&region=US-NY",
    "/clinics?near=10001&radius=100&sort=distance",
    "/clinics?near=Leeds&sort=verified",
    "/clinics?condition=crps&treatment=ketamine-iv-infusion&near=14201&radius=50",
    "/clinics?near=Springfield",
    "/clinics?q=ketamine&locality=toronto",
    "/clinics?page=99",
    "/clinics?per_page=1000",
    "/clinics?near=Torrronto",
    "/clinics?condition=nothing",
    "/clinics?sort=distance",
    "/clinics/manhattan-ketamine-center",
    "/clinics/toronto-pain-centre",
    "/clinics?locality=White%20Plains",
    "/clinics/script-alert-x-script-pain-clinic",
    "/clinics/pending-ketamine-place",
    "/resources",
    "/resources?kind=article&condition=crps&q=guide",
    "/resources?kind=nonsense",
    "/resources/rsdsa",
    "/resources/pending-crps-article",
    "/regions",
    "/taxonomy",
    "/terms/crps",
    "/terms/ketamine-iv-infusion",
    "/terms/nothing",
    "/resources?treatment=ketamine-iv-infusion",
    "/openapi.json",
]


def operation(path: str) -> tuple[str, dict]:
    """The documented path template and GET operation that serve a concrete path."""
    bare = path.split("?")[0]
    for template, item in DOCUMENT["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), bare):
            return template, item["get"]
    raise AssertionError(f"{bare} is not in the OpenAPI document")


def validate(schema: dict, instance) -> None:
    validator = Draft202012Validator(schema, registry=REGISTRY, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(instance), key=lambda error: error.path)
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:3])


def response_schema(path: str, status: int) -> dict:
    _, get = operation(path)
    documented = get["responses"].get(str(status))
    assert documented, f"{path} answered {status}, which the document does not list"
    schema = documented["content"]["application/json"]["schema"]
    if "$ref" in schema:
        return {"$ref": BASE + schema["$ref"]}
    return schema


def test_the_document_is_valid_openapi_3_1_json_schema():
    assert DOCUMENT["openapi"].startswith("3.1")
    for schema in DOCUMENT["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for template, item in DOCUMENT["paths"].items():
        for parameter in item["get"].get("parameters", []):
            Draft202012Validator.check_schema(parameter["schema"])
        assert "200" in item["get"]["responses"] and "304" in item["get"]["responses"], template


@pytest.mark.parametrize("path", CASES)
def test_real_responses_match_the_document(client, api_directory, path):
    response = client.get(f"/api/v1{path}")
    validate(response_schema(path, response.status_code), response.get_json())
    again = client.get(f"/api/v1{path}", headers={"If-None-Match": response.headers.get("ETag",
                                                                                       "-")})
    if response.status_code == 200:
        assert again.status_code == 304
        _, get = operation(path)
        assert "304" in get["responses"]


@pytest.mark.parametrize("change", [
    lambda body: body["locations"][0]["hours"][0].update(day="Monday"),
    lambda body: body["locations"][0]["hours"][0].update(opens="9am"),
    lambda body: body["locations"][0]["hours"][0].update(closes="25:00"),
    lambda body: body["prices"][0].update(per="hour"),
    lambda body: body["prices"][0].update(currency="usd"),
    lambda body: body["prices"][0].update(amount="450"),
    lambda body: body["payment"].append("cash"),
    lambda body: body["languages"].append("eng"),
    lambda body: body.update(telehealth="yes"),
    lambda body: body.update(referral_required=0),
    lambda body: body["provenance"].update(prices={"source": "x"}),
])
def test_the_details_are_described_precisely(client, api_directory, change):
    path = "/clinics/manhattan-ketamine-center"
    body = client.get(f"/api/v1{path}").get_json()
    validate(response_schema(path, 200), body)
    change(body)
    validator = Draft202012Validator(response_schema(path, 200), registry=REGISTRY,
                                     format_checker=FormatChecker())
    assert not validator.is_valid(body)


def test_every_documented_parameter_is_accepted(client, api_directory):
    for template, item in DOCUMENT["paths"].items():
        names = [p["name"] for p in item["get"].get("parameters", []) if p["in"] == "query"]
        if not names:
            continue
        values = {"near": "10001", "radius": "25", "sort": "distance", "page": "1",
                  "per_page": "5", "condition": "crps", "treatment": "nerve-block",
                  "country": "US", "region": "US-NY", "kind": "article",
                  "payment": "medicare", "telehealth": "true", "accepting_new_patients": "true",
                  "open": "Mo", "language": "es"}
        query = "&".join(f"{name}={values.get(name, 'x')}" for name in names)
        response = client.get(f"/api/v1{template}?{query}")
        assert response.status_code == 200, (template, response.get_json())
        validate(response_schema(template, 200), response.get_json())


def test_the_served_document_is_this_document(client, api_directory):
    assert client.get("/api/v1/openapi.json").get_json() == DOCUMENT


def test_every_route_of_the_blueprint_is_documented(app):
    documented = {"/api/v1" + template for template in DOCUMENT["paths"]}
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api.") and rule.endpoint != "api.not_found"}
    assert routes == documented
