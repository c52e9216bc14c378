"""The data layer. Imports nothing from crawler/, web/ or jobs/."""

from models.accounts import (
    ROLES,
    AuditEntry,
    Login,
    LoginAttempt,
    User,
    end_login,
    password_problem,
    record_audit,
    start_login,
    user_of_login,
)
from models.base import Base, utcnow
from models.counts import FacetCount, rebuild_counts  # its listeners keep the counts
from models.db import Database, insert_for, make_engine
from models.directory import (
    CLINIC_STATUSES,
    MERGED,
    PENDING,
    PUBLISHED,
    REJECTED,
    RESOURCE_KINDS,
    Clinic,
    Location,
    Resource,
    clinic_terms,
    resource_terms,
)
from models.duplicates import NotDuplicate
from models.guides import GuideLocked, TermGuide, TermGuideRevision, revise_guide
from models.runs import CrawlRequest, CrawlRun, SourceLease, acquire_lease, release_lease
from models.staging import ReviewItem, Source, SourceRecord
from models.taxonomy import Term, sync_terms, with_descendants

__all__ = [
    "ROLES", "AuditEntry", "Login", "LoginAttempt", "User", "end_login", "password_problem",
    "record_audit", "start_login", "user_of_login", "Base",
    "utcnow", "Database", "insert_for", "make_engine", "CLINIC_STATUSES", "MERGED", "PENDING",
    "PUBLISHED", "REJECTED", "RESOURCE_KINDS", "Clinic", "Location", "Resource", "clinic_terms",
    "resource_terms", "CrawlRequest", "CrawlRun", "SourceLease", "acquire_lease", "release_lease",
    "ReviewItem", "Source", "SourceRecord", "Term", "sync_terms", "with_descendants",
    "NotDuplicate", "FacetCount", "rebuild_counts", "GuideLocked", "TermGuide",
    "TermGuideRevision", "revise_guide",
]
