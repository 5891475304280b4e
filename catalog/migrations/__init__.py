"""Alembic migrations of the catalogue, applied automatically by catalog.db."""
