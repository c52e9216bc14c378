"""What every open-data export shares: the published clinics in batches, cells no spreadsheet
runs as formulas, CSV lines, and files replaced only once they are complete."""

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import PUBLISHED, Clinic

BATCH = 500
# Spreadsheets run cells that start with these as formulas; crawled text must stay text.
FORMULA_STARTS = ("=", "@", "+", "-", "\t", "\r")
# Cells that may keep a leading sign: a plain number (-73.99) or a phone number (+1 212 555 0101).
SIGNED_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?|\+[0-9][0-9 ]*[0-9]")


def published_clinics(session: Session) -> Iterator[Clinic]:
    """Every published clinic with its locations and terms, loaded in batches."""
    statement = (select(Clinic).where(Clinic.state == PUBLISHED).order_by(Clinic.id)
                 .options(selectinload(Clinic.locations), selectinload(Clinic.terms))
                 .execution_options(yield_per=BATCH))
    yield from session.scalars(statement)


def spreadsheet_safe(value) -> str:
    """A cell value as text that no spreadsheet will run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = ";".join(value)
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not SIGNED_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV lines (RFC 4180, CRLF) for rows of cell values, one string per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def write_atomically(path: Path, chunks: Iterable[str]) -> None:
    """Write text to `path` through a temporary file, so a failed export leaves the old one."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as fh:
            fh.writelines(chunks)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
