"""Download links for the open-data exports, streamed as they are written."""

from flask import Blueprint, Response, current_app, render_template

from web.exports import clinics_csv, clinics_geojson
from web.hsds import zipped_package

bp = Blueprint("exports", __name__, url_prefix="/exports")


@bp.get("/")
def index():
    """The page that lists the downloads and the API."""
    return render_template("exports/index.html")


@bp.get("/clinics.csv")
def clinics_csv_download():
    """Every published clinic location as CSV."""
    return _download(_streamed(clinics_csv), "text/csv", "clinics.csv")


@bp.get("/clinics.geojson")
def clinics_geojson_download():
    """Every published clinic location as a GeoJSON FeatureCollection."""
    return _download(_streamed(clinics_geojson), "application/geo+json", "clinics.geojson")


@bp.get("/hsds.zip")
def hsds_download():
    """The Open Referral HSDS data package, zipped."""
    return _download(_streamed(zipped_package), "application/zip", "hsds.zip")


def _streamed(export):
    """An export's chunks from a session of its own, closed when the stream ends or is closed
    (the request's session is gone by the time a streamed body is sent)."""
    database = current_app.extensions["database"]

    def chunks():
        with database.read_session() as session:
            yield from export(session)

    return chunks()


def _download(chunks, mimetype: str, filename: str) -> Response:
    response = Response(chunks, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
