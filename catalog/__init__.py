"""The catalogue: the single source of truth for channels, lessons, packages and schedules."""

from catalog.db import Catalog, default_database_url, open_catalog
from catalog.errors import CatalogError

__all__ = ["Catalog", "CatalogError", "default_database_url", "open_catalog"]
