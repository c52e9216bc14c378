"""The OpenAPI 3.1 description of the JSON API (its schemas are JSON Schema 2020-12)."""

from models.details import CLOCK, DAYS, PAYMENT_KINDS, PRICE_PER
from models.entries import DETAIL_FIELDS
from web.queries import MAX_NEAR_LOCATIONS, MAX_PER_PAGE, MAX_RADIUS_KM, SORTS


def _nullable(kind: str, **extra) -> dict:
    return {"type": [kind, "null"], **extra}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, required=None) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required,
            "additionalProperties": False}


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
            "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref("Error")}}}


NOT_MODIFIED = {"description": "Not modified: the ETag given in If-None-Match still holds.",
                "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}}
STRING_LIST = {"type": "array", "items": {"type": "string"}}
PAGE_PARAMETERS = [
    _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "default": 1}),
    _query("per_page", f"Items per page, at most {MAX_PER_PAGE}.",
           {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
]
TERM_PARAMETERS = [
    _query("condition", "A condition slug (see /taxonomy); narrower conditions match too.",
           {"type": "string"}),
    _query("treatment", "A treatment slug (see /taxonomy); narrower treatments match too.",
           {"type": "string"}),
]
TRUE_ONLY = {"enum": ["true"]}
DETAIL_PARAMETERS = [
    {**_query("payment", "Payment kinds the clinic must state it accepts, all of them; repeat "
              "the parameter or separate kinds with commas.",
              {"type": "array", "items": {"enum": list(PAYMENT_KINDS)}}),
     "style": "form", "explode": True},
    _query("telehealth", "true: only clinics that state they offer telehealth visits.",
           TRUE_ONLY),
    _query("accepting_new_patients", "true: only clinics that state they take new patients.",
           TRUE_ONLY),
    _query("open", "A day: only clinics with a location open that day.",
           {"enum": list(DAYS)}),
    _query("language", "ISO 639-1 code of a language the clinic serves patients in, e.g. es.",
           {"type": "string", "pattern": "^[a-z]{2}$"}),
]
SLUG_PARAMETER = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
NOT_STATED = " Null where the clinic's pages do not say."
CLINIC_PROPERTIES = {
    "id": {"type": "integer"}, "slug": {"type": "string"}, "name": {"type": "string"},
    "description": _nullable("string", description="The clinic's own short description, "
                                                   "plain text."),
    "phone": _nullable("string", description="E.164"),
    "website": _nullable("string"), "email": _nullable("string"),
    "status": {"enum": ["active", "temporarily-closed", "closed"]},
    "locations": {"type": "array", "items": _ref("Location")},
    "treatments": STRING_LIST, "conditions": STRING_LIST,
    "prices": {"type": "array", "items": _ref("Price"),
               "description": "What the clinic charges; empty where its pages do not say."},
    "payment": {"type": "array", "items": {"enum": list(PAYMENT_KINDS)}, "uniqueItems": True,
                "description": "Ways to pay the clinic accepts, sorted; empty where its pages "
                               "do not say."},
    "telehealth": _nullable("boolean", description="Whether the clinic sees patients by "
                                                   "video or phone." + NOT_STATED),
    "accepting_new_patients": _nullable("boolean", description="Whether the clinic takes new "
                                                               "patients now." + NOT_STATED),
    "referral_required": _nullable("boolean", description="Whether a physician's referral is "
                                                          "needed." + NOT_STATED),
    "languages": {"type": "array", "uniqueItems": True,
                  "items": {"type": "string", "pattern": "^[a-z]{2}$"},
                  "description": "ISO 639-1 codes of the languages the clinic serves patients "
                                 "in, sorted; empty where its pages do not say."},
    "last_verified": _nullable("string", format="date-time"),
}
CLINIC_REQUIRED = list(CLINIC_PROPERTIES)
# The details a clinic's API entry says the origin of; hours are those of every location.
PROVENANCE_FIELDS = ("description", "hours", *DETAIL_FIELDS)
# Where a published value came from: a crawled page, or an editor's hand.
ORIGIN = {"oneOf": [_ref("Crawled"), _ref("Edited"), {"type": "null"}]}

SCHEMAS = {
    "Error": _object({
        "error": {"type": "string", "description": "What went wrong, in one line."},
        "suggestions": {"type": "array", "items": {"type": "string"},
                        "description": "Places or terms the request may have meant."},
    }, required=["error"]),
    "Location": _object({
        "street": _nullable("string"), "locality": _nullable("string"),
        "region": _nullable("string", description="ISO 3166-2 code, e.g. US-NY"),
        "postal_code": _nullable("string"),
        "country": _nullable("string", description="ISO 3166-1 alpha-2 code"),
        "lat": _nullable("number"), "lon": _nullable("number"),
        "hours": {"type": "array", "items": _ref("Hours"),
                  "description": "Opening hours of this place, one entry per day and interval "
                                 "(a lunch break gives two); empty where its pages do not say."},
    }),
    "Hours": _object({
        "day": {"enum": list(DAYS)},
        "opens": {"type": "string", "pattern": CLOCK, "description": "HH:MM, local time"},
        "closes": {"type": "string", "pattern": CLOCK, "description": "HH:MM, local time"},
    }),
    "Price": _object({
        "amount": {"type": "number", "exclusiveMinimum": 0},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$",
                     "description": "ISO 4217 code"},
        "per": {"enum": [*PRICE_PER, None], "description": "What one amount pays for."},
        "treatment": _nullable("string", description="The treatment it is for: a treatment "
                                                     "slug (see /taxonomy)."),
    }),
    "Crawled": _object({
        "source": {"type": "string", "description": "The source's name."},
        "url": {"type": "string", "description": "The page the value was read from."},
        "fetched_at": _nullable("string", format="date-time"),
    }),
    "Edited": _object({
        "editor": {"type": "string", "description": "The editor who set the value."},
        "at": _nullable("string", format="date-time"),
    }),
    "Clinic": _object({
        **CLINIC_PROPERTIES,
        "distance_km": {"type": ["number", "null"],
                        "description": "From the `near` place to the nearest location; only "
                                       "present when `near` was given."},
    }, required=CLINIC_REQUIRED),
    "NearestClinic": _object({
        **CLINIC_PROPERTIES,
        "distance_km": {"type": "number", "minimum": 0,
                        "description": "From the `near` place to the nearest location."},
        "outside_radius": {"const": True,
                           "description": "Always true: this clinic is beyond `radius`."},
    }, required=[*CLINIC_REQUIRED, "distance_km", "outside_radius"]),
    "ClinicDetail": _object({
        **CLINIC_PROPERTIES,
        "provenance": _object({name: ORIGIN for name in PROVENANCE_FIELDS}),
    }),
    "Resource": _object({
        "id": {"type": "integer"}, "slug": {"type": "string"}, "title": {"type": "string"},
        "url": {"type": "string"}, "kind": {"type": "string"},
        "summary": _nullable("string"), "author": _nullable("string"),
        "published": _nullable("string", format="date"),
        "treatments": STRING_LIST, "conditions": STRING_LIST,
        "last_verified": _nullable("string", format="date-time"),
    }),
    "Links": _object({
        "self": {"type": "string", "format": "uri-reference"},
        "next": _nullable("string", format="uri-reference"),
        "prev": _nullable("string", format="uri-reference"),
    }),
    "Facet": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
              "description": "Value -> number of matching entries."},
    "Place": _object({
        "label": {"type": "string"}, "lat": {"type": "number"}, "lon": {"type": "number"},
        "country": {"type": "string"}, "region": _nullable("string"),
        "radius_km": {"type": "number", "exclusiveMinimum": 0,
                      "description": "The radius searched: `radius`, or a narrower one where "
                                     f"more than {MAX_NEAR_LOCATIONS:,} clinic locations lie "
                                     "within `radius`."},
        "asked_radius_km": {"type": "number", "exclusiveMinimum": 0,
                            "description": "The radius asked (`radius`, or its default)."},
    }),
    "ClinicPage": _object({
        "items": {"type": "array", "items": _ref("Clinic")},
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "pages": {"type": "integer", "minimum": 1},
        "links": _ref("Links"),
        "facets": {"type": "object", "additionalProperties": _ref("Facet")},
        "near": {"oneOf": [_ref("Place"), {"type": "null"}]},
        "nearest": {"type": "array", "items": _ref("NearestClinic"), "maxItems": 3,
                    "description": "With `near` and no match within `radius` (`total` is 0): "
                                   "the nearest matching clinics beyond it, nearest first, so "
                                   "that a search never ends empty-handed. Empty otherwise."},
    }),
    "ResourcePage": _object({
        "items": {"type": "array", "items": _ref("Resource")},
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "pages": {"type": "integer", "minimum": 1},
        "links": _ref("Links"),
    }),
    "Regions": _object({"countries": {"type": "array", "items": _object({
        "code": {"type": "string"}, "name": {"type": "string"},
        "count": {"type": "integer", "minimum": 0},
        "regions": {"type": "array", "items": _object({
            "code": {"type": "string"}, "name": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
            "localities": {"type": "array", "items": _object({
                "name": {"type": "string"}, "count": {"type": "integer", "minimum": 0}})},
        })},
    })}}),
    "TermGuide": _object({
        "slug": {"type": "string"}, "kind": {"enum": ["treatment", "condition"]},
        "label": {"type": "string"},
        "description": _nullable("string", description="Written by editors; null until one "
                                 "does."),
        "description_locked": {"type": "boolean"},
        "parents": {**STRING_LIST, "description": "Broader terms, the nearest first."},
        "narrower": STRING_LIST,
        "counts": _object({
            "clinics": {"type": "integer", "minimum": 0},
            "resources": {"type": "integer", "minimum": 0},
            "regions": {"type": "object",
                        "additionalProperties": {"type": "integer", "minimum": 0},
                        "description": "Clinics per ISO 3166-2 region."},
        }),
        "also_offered": {"type": "array", "items": _object({
            "slug": {"type": "string"}, "clinics": {"type": "integer", "minimum": 0}}),
            "description": "What the clinics with this term most often also offer."},
        "links": _object({name: {"type": "string", "format": "uri-reference"} for name in
                          ("guide", "feed", "clinics", "resources", "api_clinics",
                           "api_resources")}),
    }),
    "Taxonomy": _object({"terms": {"type": "array", "items": _object({
        "slug": {"type": "string"}, "kind": {"enum": ["treatment", "condition"]},
        "label": {"type": "string"}, "synonyms": STRING_LIST, "parent": _nullable("string"),
    })}}),
}


def _get(summary: str, parameters: list, ok: dict, *errors: tuple[str, str]) -> dict:
    responses = {"200": ok, "304": NOT_MODIFIED}
    responses.update({code: _error(description) for code, description in errors})
    return {"get": {"summary": summary, "parameters": parameters, "responses": responses}}


BAD_REQUEST = ("400", "A parameter is missing a valid value; `error` says which.")
NOT_FOUND = ("404", "No published entry with that slug.")

DOCUMENT = {
    "openapi": "3.1.0",
    "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
    "info": {
        "title": "Relief Map API",
        "version": "1.0.0",
        "description": "Read-only access to the published directory of chronic-pain clinics and "
                       "patient resources. Every response carries a strong ETag (send it back in "
                       "If-None-Match to get 304) and allows any origin (CORS).",
        "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
    },
    "servers": [{"url": "/api/v1"}],
    "paths": {
        "/clinics": _get("Search published clinics", [
            _query("q", "Words to find in names, descriptions, places and terms.",
                   {"type": "string"}),
            *TERM_PARAMETERS,
            _query("country", "ISO 3166-1 alpha-2 code.",
                   {"type": "string", "pattern": "^[A-Za-z]{2}$"}),
            _query("region", "ISO 3166-2 code, e.g. US-NY, CA-BC, GB-SCT.",
                   {"type": "string", "pattern": "^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$"}),
            _query("locality", "City or town, as the addresses spell it.", {"type": "string"}),
            _query("near", "A place: ZIP or postcode, or a city (\"Leeds\", \"Vancouver, BC\", "
                           "\"NYC\") or \"lat, lon\". A name several places share "
                           "(\"Springfield\") is a 400 whose `suggestions` are the places, most "
                           "populous first.",
                   {"type": "string"}),
            _query("radius", "With near: kilometres around the place (narrowed where more "
                             f"than {MAX_NEAR_LOCATIONS:,} clinic locations lie within it: see "
                             "`near.radius_km`).",
                   {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RADIUS_KM}),
            _query("sort", "Order of the results; distance needs near.",
                   {"enum": list(SORTS), "default": "name"}),
            *DETAIL_PARAMETERS,
            *PAGE_PARAMETERS,
        ], _json("A page of matching clinics.", _ref("ClinicPage")), BAD_REQUEST),
        "/clinics/{slug}": _get("One published clinic", [SLUG_PARAMETER],
                                _json("The clinic, with where each detail came from.",
                                      _ref("ClinicDetail")), NOT_FOUND),
        "/resources": _get("List published patient resources", [
            _query("kind", "article, support-group, organization, video, story or forum.",
                   {"type": "string"}),
            *TERM_PARAMETERS,
            _query("q", "Words to find in titles and summaries.", {"type": "string"}),
            *PAGE_PARAMETERS,
        ], _json("A page of matching resources.", _ref("ResourcePage")), BAD_REQUEST),
        "/resources/{slug}": _get("One published resource", [SLUG_PARAMETER],
                                  _json("The resource.", _ref("Resource")), NOT_FOUND),
        "/regions": _get("Published clinics per country, region and locality", [],
                         _json("Counts, largest first.", _ref("Regions"))),
        "/taxonomy": _get("Treatments and conditions", [],
                          _json("Every term, with its parent.", _ref("Taxonomy"))),
        "/terms/{slug}": _get("A condition's or treatment's guide", [SLUG_PARAMETER],
                              _json("Its description, counts and links.", _ref("TermGuide")),
                              ("404", "No condition or treatment with that slug.")),
        "/openapi.json": {"get": {"summary": "This document", "responses": {
            "200": {"description": "The OpenAPI document.",
                    "content": {"application/json": {"schema": {"type": "object"}}}},
            "304": NOT_MODIFIED}}},
    },
    "components": {
        "schemas": SCHEMAS,
        "headers": {"ETag": {"description": "Strong validator of the response body.",
                             "schema": {"type": "string"}}},
    },
}


def query_parameters(path: str) -> frozenset[str]:
    """The query parameters the document gives for GET `path`: the only ones the API accepts."""
    return frozenset(parameter["name"] for parameter in DOCUMENT["paths"][path]["get"]["parameters"]
                     if parameter["in"] == "query")
