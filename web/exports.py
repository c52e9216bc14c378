"""Open-data exports of the published directory: CSV, GeoJSON and an Open Referral HSDS package.

Pure functions over a session, shared by `reliefmap export` and the site's download links. Each
yields text in pieces so that a large directory streams instead of filling memory.
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import click
from sqlalchemy.orm import Session

from models.details import hours_text, prices_text
from models.entries import DETAIL_FIELDS, clinic_fields
from reliefmap.errors import UserError
from web import hsds
from web.csv_writing import csv_text, published_clinics, spreadsheet_safe, write_atomically

CSV_COLUMNS = ("id", "slug", "name", "description", "website", "email", "phone", "status",
               "street", "locality", "region", "postal_code", "country", "latitude", "longitude",
               "treatments", "conditions", "last_verified", "hours", *DETAIL_FIELDS)
# Cells that hold a list of records read as one line of text; other lists are joined by ;.
CSV_TEXT = {"hours": hours_text, "prices": prices_text}
FORMATS = {"csv": "clinics.csv", "geojson": "clinics.geojson", "hsds": "hsds"}


def location_rows(session: Session) -> Iterator[dict]:
    """One flat row per published clinic location (a clinic without an address gets one)."""
    for clinic in published_clinics(session):
        for location in clinic.locations or [None]:
            fields = clinic_fields(clinic, location)
            yield {"id": clinic.id, "slug": clinic.slug, **fields,
                   "last_verified": clinic.last_verified.isoformat()
                   if clinic.last_verified else None}


def csv_cell(row: dict, name: str) -> str:
    """One CSV cell: hours and prices as one line of text, lists joined by ;, flags true/false."""
    value = row[name]
    return spreadsheet_safe(CSV_TEXT[name](value) if name in CSV_TEXT else value)


def clinics_csv(session: Session) -> Iterator[str]:
    """The directory as CSV: one row per clinic location, with that location's hours."""
    yield from csv_text([CSV_COLUMNS])
    yield from csv_text([csv_cell(row, name) for name in CSV_COLUMNS]
                        for row in location_rows(session))


def feature(row: dict) -> dict:
    """A GeoJSON Feature for a location row: a Point (lon, lat), or no geometry when unknown."""
    located = row["latitude"] is not None and row["longitude"] is not None
    properties = {name: row[name] for name in CSV_COLUMNS
                  if name not in ("latitude", "longitude")}
    return {"type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]}
            if located else None,
            "properties": properties}


def clinics_geojson(session: Session) -> Iterator[str]:
    """The directory as a GeoJSON FeatureCollection (RFC 7946), one Feature per location."""
    yield '{"type": "FeatureCollection", "features": [\n'
    separator = ""
    for row in location_rows(session):
        yield separator + json.dumps(feature(row), ensure_ascii=False)
        separator = ",\n"
    yield "\n]}\n"


def export(session: Session, format: str, out: Path) -> Path:
    """Write one export into the folder `out`; returns the path written."""
    target = out / FORMATS[format]
    if format == "csv":
        write_atomically(target, clinics_csv(session))
    elif format == "geojson":
        write_atomically(target, clinics_geojson(session))
    else:
        hsds.write_package(session, target)
    return target


@click.command("export")
@click.option("--format", "format_", required=True, metavar="csv|geojson|hsds",
              help="csv: one row per location; geojson: a FeatureCollection; hsds: an Open "
                   "Referral HSDS data package (a folder of CSV files and datapackage.json).")
@click.option("--out", required=True, metavar="DIR", help="Folder to write into (created if "
              "missing).")
@click.pass_obj
def export_command(config, format_, out):
    """Export the published directory as open data."""
    from models.cli import open_database

    if format_ not in FORMATS:
        raise UserError(f"unknown format '{format_}'; choose one of: {', '.join(FORMATS)}")
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"--out {out} is a file; give a folder to write into")
    database = open_database(config)  # before the folder is made: an error leaves nothing
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):
            raise PermissionError(13, "Permission denied", str(folder))
    except OSError as exc:
        database.dispose()
        raise UserError(f"cannot write to --out {out}: {exc.strerror}") from None
    try:
        with database.read_session() as session:
            target = export(session, format_, folder)
    finally:
        database.dispose()
    click.echo(f"Wrote {target}")
