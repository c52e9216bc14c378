"""Open-data exports: CSV, GeoJSON and the HSDS package field by field, published entries only,
formulas neutralised, the download links and `reliefmap export` with its one-line errors."""

import csv
import io
import json
import zipfile

import pytest

from tests.api_fixtures import (
    DETAILS,
    FORMULA_NAME,
    NEW_YORK_HOURS,
    TWO_SITES,
    WHITE_PLAINS_HOURS,
    XSS_NAME,
)
from tests.public_fixtures import UNPUBLISHED
from web import exports, hsds

PUBLISHED_CLINICS = 11


@pytest.fixture
def session(database, api_directory):
    with database.read_session() as session:
        yield session


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_one_row_per_location_field_by_field(session):
    rows = read_csv("".join(exports.clinics_csv(session)))
    assert list(rows[0]) == list(exports.CSV_COLUMNS)
    assert len(rows) == PUBLISHED_CLINICS + 1  # one clinic has two addresses
    assert not {row["name"] for row in rows} & set(UNPUBLISHED)
    manhattan = [row for row in rows if row["name"] == TWO_SITES]
    assert [row["locality"] for row in manhattan] == ["New York", "White Plains"]
    first = manhattan[0]
    assert first == {
        "id": first["id"], "slug": "manhattan-ketamine-center", "name": TWO_SITES,
        "description": f"{TWO_SITES} treats chronic pain.",
        "website": "https://manhattan-ketamine.example/", "email": "", "phone": "+12125550101",
        "status": "active", "street": "350 W 31st St", "locality": "New York",
        "region": "US-NY", "postal_code": "10001", "country": "US", "latitude": "40.7506",
        "longitude": "-73.9972", "treatments": "ketamine-iv-infusion", "conditions": "crps",
        "last_verified": "2026-10-01T00:00:00",
        "hours": "Mo 09:00-17:00; Tu 09:00-12:00, 13:00-17:00",
        "prices": "450 USD per infusion (ketamine-iv-infusion); 2400 USD per series",
        "payment": "hsa-fsa;medicare;self-pay", "telehealth": "true",
        "accepting_new_patients": "false", "referral_required": "", "languages": "en;es"}
    assert manhattan[1]["hours"] == "Sa 10:00-14:00"  # each row has its own location's hours
    zurich = next(row for row in rows if row["country"] == "CH")
    assert zurich["name"] == "Zürich Schmerzklinik" and zurich["region"] == ""
    assert [zurich[name] for name in ("hours", *DETAILS)] == [""] * 7  # states no details


def test_csv_keeps_crawled_text_from_running_as_a_formula(session):
    rows = read_csv("".join(exports.clinics_csv(session)))
    hostile = next(row for row in rows if "HYPERLINK" in row["name"])
    assert hostile["name"] == "'" + FORMULA_NAME
    assert hostile["street"] == "'@SUM(1+1)"
    assert hostile["email"] == "'-cmd@example.org"
    assert hostile["treatments"] == "physical-therapy"
    assert hostile["description"] == "'" + FORMULA_NAME + " treats chronic pain."
    assert hostile["prices"] == '99.5 GBP (=HYPERLINK("https://evil.example"))'
    xss = next(row for row in rows if row["phone"] == "+15185550199")  # E.164 stays as is
    assert xss["name"] == XSS_NAME


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+1 212", "+1 212"), ("+cmd", "'+cmd"), ("-73.9", "-73.9"),
    ("-x", "'-x"), ("", ""), (None, ""), (["a", "b"], "a;b"), ("\tx", "'\tx"), (4.5, "4.5"),
    (True, "true"), (False, "false"), (["=cmd", "b"], "'=cmd;b"),
])
def test_spreadsheet_safe(value, expected):
    assert exports.spreadsheet_safe(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-1)*0+HYPERLINK(\"https://evil.example\")", "'-1)*0+HYPERLINK(\"https://evil.example\")"),
    ("+15185550199", "+15185550199"), ("+44 20 7946 0958", "+44 20 7946 0958"),
    ("-73.9972", "-73.9972"), ("+3", "+3"), ("-0.5", "-0.5"),
])
def test_only_whole_numbers_and_phone_numbers_may_start_with_a_sign(value, expected):
    assert exports.spreadsheet_safe(value) == expected


def test_geojson_is_a_feature_collection_of_points(session):
    collection = json.loads("".join(exports.clinics_geojson(session)))
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) == PUBLISHED_CLINICS + 1
    toronto = next(f for f in features if f["properties"]["name"] == "Toronto Pain Centre")
    assert toronto["geometry"] == {"type": "Point", "coordinates": [-79.3871, 43.6426]}
    properties = toronto["properties"]
    assert properties["slug"] == "toronto-pain-centre"
    assert properties["postal_code"] == "M5V 2T6" and properties["region"] == "CA-ON"
    assert properties["treatments"] == ["ketamine-iv-infusion"]
    assert properties["conditions"] == ["crps"]
    assert "latitude" not in properties
    assert properties["hours"] == [] and properties["prices"] == []
    assert properties["telehealth"] is None and properties["languages"] == []
    manhattan = [f["properties"] for f in features if f["properties"]["name"] == TWO_SITES]
    assert [p["hours"] for p in manhattan] == [NEW_YORK_HOURS, WHITE_PLAINS_HOURS]
    assert {name: manhattan[0][name] for name in DETAILS} == DETAILS  # JSON values, not text
    unlocated = next(f for f in features if f["properties"]["name"] == FORMULA_NAME)
    assert unlocated["geometry"] is None  # raw data: GeoJSON needs no spreadsheet escaping
    assert not {f["properties"]["name"] for f in features} & set(UNPUBLISHED)


def read_package(session, folder) -> tuple[dict, dict[str, list[dict]]]:
    """Export the HSDS package into `folder`; its descriptor and {table: rows}, each file's
    header checked against the descriptor."""
    hsds.write_package(session, folder)
    package = json.loads((folder / "datapackage.json").read_text())
    tables = {}
    for resource in package["resources"]:
        rows = read_csv((folder / resource["path"]).read_text())
        columns = [field["name"] for field in resource["schema"]["fields"]]
        with open(folder / resource["path"], encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == columns
        tables[resource["name"]] = rows
    return package, tables


def test_hsds_package_maps_clinics_to_organizations_services_locations(session, tmp_path):
    package, tables = read_package(session, tmp_path / "hsds")
    assert package["profile"] == "tabular-data-package" and package["hsds_version"] == "3.0"
    assert set(tables) == {"organization", "service", "location", "service_at_location",
                           "address", "phone", "schedule", "cost_option", "language",
                           "taxonomy_term", "attribute"}

    organizations = {row["name"]: row for row in tables["organization"]}
    assert len(organizations) == PUBLISHED_CLINICS
    assert not set(organizations) & set(UNPUBLISHED)
    manhattan = organizations[TWO_SITES]
    assert manhattan["website"] == "https://manhattan-ketamine.example/"
    org_id = manhattan["id"]

    locations = [row for row in tables["location"] if row["organization_id"] == org_id]
    assert len(locations) == 2 and locations[0]["latitude"] == "40.7506"
    assert {row["location_type"] for row in locations} == {"physical"}
    address = next(row for row in tables["address"] if row["location_id"] == locations[0]["id"])
    assert (address["address_1"], address["city"], address["state_province"],
            address["postal_code"], address["country"], address["address_type"]) == (
        "350 W 31st St", "New York", "NY", "10001", "US", "physical")

    services = [row for row in tables["service"] if row["organization_id"] == org_id]
    assert [(row["name"], row["status"]) for row in services] == [("Ketamine IV infusion",
                                                                   "active")]
    service_id = services[0]["id"]
    at = {row["location_id"] for row in tables["service_at_location"]
          if row["service_id"] == service_id}
    assert at == {row["id"] for row in locations}
    terms = {row["id"]: row for row in tables["taxonomy_term"]}
    attributes = {terms[row["taxonomy_term_id"]]["code"] for row in tables["attribute"]
                  if (row["link_id"], row["link_entity"]) == (service_id, "service")}
    assert attributes == {"ketamine-iv-infusion", "crps"}

    phones = [row for row in tables["phone"] if row["organization_id"] == org_id]
    assert [(row["number"], row["type"]) for row in phones] == [("+12125550101", "voice")]

    codes = {row["code"]: row for row in tables["taxonomy_term"]}
    assert terms[codes["crps"]["parent_id"]]["code"] == "neuropathic-pain"
    assert codes["crps"]["name"] == "Complex regional pain syndrome (CRPS)"
    assert codes["crps"]["taxonomy"] == "Relief Map conditions"
    newark = organizations["Newark Infusion Suite"]["id"]
    assert {row["status"] for row in tables["service"]
            if row["organization_id"] == newark} == {"temporarily closed"}

    # Ids are unique per table, and every foreign key the descriptor declares points at a row
    # that exists.
    for name, rows in tables.items():
        assert len({row["id"] for row in rows}) == len(rows), name
    for resource in package["resources"]:
        for key in resource["schema"]["foreignKeys"]:
            known = {row["id"] for row in tables[key["reference"]["resource"]]}
            for row in tables[resource["name"]]:
                assert row[key["fields"]] in known | {""}, (resource["name"], key)


def test_hsds_package_maps_the_details_to_schedules_costs_languages_attributes(session,
                                                                              tmp_path):
    _, tables = read_package(session, tmp_path / "hsds")
    org_id = next(row["id"] for row in tables["organization"] if row["name"] == TWO_SITES)
    new_york, white_plains = [row["id"] for row in tables["location"]
                              if row["organization_id"] == org_id]
    schedules = {(row["location_id"], row["freq"], row["byday"], row["opens_at"],
                  row["closes_at"]) for row in tables["schedule"]}
    assert {row for row in schedules if row[0] == new_york} == {
        (new_york, "WEEKLY", "MO", "09:00", "17:00"), (new_york, "WEEKLY", "TU", "09:00", "12:00"),
        (new_york, "WEEKLY", "TU", "13:00", "17:00")}
    assert {row for row in schedules if row[0] == white_plains} == {
        (white_plains, "WEEKLY", "SA", "10:00", "14:00")}

    service_id = next(row["id"] for row in tables["service"] if row["organization_id"] == org_id)
    costs = {(row["amount"], row["currency"], row["amount_description"])
             for row in tables["cost_option"] if row["service_id"] == service_id}
    assert costs == {("450", "USD", "per infusion"), ("2400", "USD", "per series")}

    languages = {(row["location_id"], row["code"], row["name"]) for row in tables["language"]
                 if row["location_id"] in (new_york, white_plains)}
    assert languages == {(location, code, name) for location in (new_york, white_plains)
                         for code, name in (("en", "English"), ("es", "Spanish"))}

    terms = {row["id"]: row for row in tables["taxonomy_term"]}
    details = {(terms[row["taxonomy_term_id"]]["code"], row["value"])
               for row in tables["attribute"]
               if (row["link_id"], row["link_entity"]) == (org_id, "organization")}
    assert details == {("hsa-fsa", ""), ("medicare", ""), ("self-pay", ""),
                       ("telehealth", "true"), ("accepting-new-patients", "false")}
    medicare = next(row for row in terms.values() if row["code"] == "medicare")
    assert terms[medicare["parent_id"]]["code"] == "payment"
    assert medicare["taxonomy"] == "Relief Map clinic details"

    # A clinic that states no details has no such rows; a price naming no treatment it lists
    # goes on every service it offers.
    toronto = next(row["id"] for row in tables["organization"]
                   if row["name"] == "Toronto Pain Centre")
    assert not [row for row in tables["attribute"] if row["link_id"] == toronto]
    formula = next(row["id"] for row in tables["organization"]
                   if row["name"] == "'" + FORMULA_NAME)  # kept from running as a formula
    formula_services = {row["id"] for row in tables["service"]
                        if row["organization_id"] == formula}
    assert len(formula_services) == 1  # physical therapy; the price names a "treatment" it lacks
    assert [(row["service_id"], row["amount"], row["currency"], row["amount_description"])
            for row in tables["cost_option"] if row["service_id"] in formula_services] == [
        (service, "99.5", "GBP", "") for service in formula_services]


def test_hsds_ids_are_stable_between_exports(session, tmp_path):
    hsds.write_package(session, tmp_path / "one")
    hsds.write_package(session, tmp_path / "two")
    for name in ("organizations.csv", "services.csv", "locations.csv", "schedules.csv",
                 "cost_options.csv", "attributes.csv"):
        assert (tmp_path / "one" / name).read_text() == (tmp_path / "two" / name).read_text()


def test_download_links_stream_the_exports(client, api_directory):
    # A WSGI server closes each streamed response; so does this test, which ends its session.
    with client.get("/exports/clinics.csv") as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == 'attachment; filename="clinics.csv"'
        assert len(read_csv(response.get_data(as_text=True))) == PUBLISHED_CLINICS + 1
    with client.get("/exports/clinics.geojson") as response:
        assert response.mimetype == "application/geo+json"
        features = json.loads(response.get_data(as_text=True))["features"]
        assert len(features) == PUBLISHED_CLINICS + 1
    with client.get("/exports/hsds.zip") as response:
        assert response.mimetype == "application/zip"
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            assert "datapackage.json" in archive.namelist()
            organizations = read_csv(archive.read("organizations.csv").decode())
    assert len(organizations) == PUBLISHED_CLINICS
    page = client.get("/exports/").get_data(as_text=True)
    for link in ("/exports/clinics.csv", "/exports/clinics.geojson", "/exports/hsds.zip",
                 "/api/v1/openapi.json"):
        assert link in page


@pytest.mark.parametrize("format, written", [("csv", "clinics.csv"),
                                             ("geojson", "clinics.geojson"),
                                             ("hsds", "hsds/datapackage.json")])
def test_export_command_writes_each_format(run_cli, api_directory, tmp_path, format, written):
    out = tmp_path / "out" / "nested"
    result = run_cli("export", "--format", format, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / written).is_file()
    assert result.stdout.strip() == f"Wrote {out / written.split('/')[0]}"
    if format == "csv":
        assert len(read_csv((out / written).read_text())) == PUBLISHED_CLINICS + 1


@pytest.mark.parametrize("args, message", [
    (["--format", "xml", "--out", "{tmp}"],
     "Error: unknown format 'xml'; choose one of: csv, geojson, hsds"),
    (["--format", "csv", "--out", "{tmp}/file.txt"],
     "Error: --out {tmp}/file.txt is a file; give a folder to write into"),
    (["--format", "csv", "--out", "/proc/reliefmap-export"],
     "Error: cannot write to --out /proc/reliefmap-export: No such file or directory"),
])
def test_export_command_bad_arguments_fail_in_one_line(run_cli, tmp_path, args, message):
    (tmp_path / "file.txt").write_text("keep me")
    result = run_cli("export", *[arg.format(tmp=tmp_path) for arg in args])
    assert result.returncode == 1
    assert result.stderr.strip() == message.format(tmp=tmp_path)
    assert (tmp_path / "file.txt").read_text() == "keep me"


def test_a_failed_export_leaves_the_previous_file(session, tmp_path, monkeypatch):
    out = tmp_path / "exports"
    out.mkdir()
    target = out / "clinics.csv"
    target.write_text("previous export\n")

    def broken(_session):
        yield "id,name\r\n"
        raise RuntimeError("database went away")

    monkeypatch.setattr(exports, "clinics_csv", broken)
    with pytest.raises(RuntimeError):
        exports.export(session, "csv", out)
    assert target.read_text() == "previous export\n"
    assert [path.name for path in out.iterdir()] == ["clinics.csv"]
