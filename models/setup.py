"""Bring the database in line with the config, and create accounts."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import User, record_audit, sync_terms
from models.staging import Source
from reliefmap.config import Config
from reliefmap.errors import UserError


def sync_config(session: Session, config: Config) -> None:
    """Load the configured taxonomy and make a row for every configured source."""
    sync_terms(session, list(config.taxonomy.values()))
    known = set(session.scalars(select(Source.name)))
    for source in config.sources.values():
        if source.name not in known:
            session.add(Source(name=source.name, kind=source.kind))


def create_user(session: Session, username: str, password: str, role: str) -> User:
    """Add an account with a hashed password; refuses a name already taken."""
    if session.scalar(select(User).where(User.username == username)):
        raise UserError(f"an account named '{username}' already exists")
    user = User(username=username, role=role)
    user.set_password(password)
    session.add(user)
    session.flush()
    record_audit(session, None, "user-add", "user", user.id, after={"username": username,
                 "role": role}, note="by the command line")
    return user
