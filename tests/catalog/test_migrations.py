"""Migrations run up from empty and back down, and match the models, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from catalog import open_catalog
from catalog.models import Base

TABLES = {
    "channels",
    "series",
    "lessons",
    "hls_packages",
    "schedule_versions",
    "airings",
    "transcode_jobs",
    "api_tokens",
}


def test_up_from_empty_then_down(database):
    url, schema = database
    catalog = open_catalog(url, migrate=False, schema=schema)
    try:
        assert catalog.revision() is None
        catalog.migrate()
        assert catalog.revision() == catalog.head()
        assert set(inspect(catalog.engine).get_table_names()) >= TABLES
        catalog.downgrade()
        assert catalog.revision() is None
        assert not TABLES & set(inspect(catalog.engine).get_table_names())
        catalog.migrate()  # and up again, from empty
        assert catalog.revision() == catalog.head()
    finally:
        catalog.dispose()


def test_migrated_schema_matches_models(catalog):
    with catalog.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_opening_twice_is_idempotent(database):
    url, schema = database
    first = open_catalog(url, schema=schema)
    second = open_catalog(url, schema=schema)
    assert second.revision() == first.head()
    first.dispose()
    second.dispose()


def test_a_new_sqlite_catalogue_is_readable_by_its_owner_only(tmp_path):
    import stat

    from catalog import open_catalog

    path = tmp_path / "fresh" / "sabaq.sqlite3"
    open_catalog(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # titles, tokens' digests, jobs
