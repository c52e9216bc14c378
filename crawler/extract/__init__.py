"""Turn a fetched page or feed into clinic and resource records."""

from crawler.extract.clinics import extract_clinics
from crawler.extract.resources import extract_resources

__all__ = ["extract_clinics", "extract_resources"]
