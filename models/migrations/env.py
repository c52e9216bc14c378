"""Alembic environment: the URL comes from the caller or from Relief Map's config."""

from alembic import context

from models import Base
from models.db import make_engine

config = context.config
# Tables that other software keeps in our database: the scheduler's job store (jobs/).
FOREIGN_TABLES = {"apscheduler_jobs"}
# The search indexes and version of migration 0002 (and FTS5's own tables): not models.
SEARCH_TABLES = ("clinic_search", "resource_search", "search_version")
# The spatial indexes of migrations 0011 and 0013 (SQLite's R*Tree and its own tables,
# PostgreSQL's GiST indexes on expressions): not in the models.
SPATIAL_TABLES = ("location_points",)
SPATIAL_INDEXES = {"ix_locations_point", "ix_locations_sphere"}


def include_name(name, type_, parent_names) -> bool:
    if type_ == "index":
        return name not in SPATIAL_INDEXES
    return not (type_ == "table" and (name in FOREIGN_TABLES
                                      or name.startswith(SEARCH_TABLES + SPATIAL_TABLES)))


def database_url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from reliefmap.config import load_config

    return load_config().database_url


def run_migrations_online() -> None:
    engine = make_engine(database_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
