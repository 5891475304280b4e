"""The catalogue: the single source of truth for channels, lessons, packages and schedules.

`Catalog` and `open_catalog` are loaded on first use, so that modules which
only need the error tree (`errors`) or the package contract
(`catalog.layout`, `catalog.hls`) do not import SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from catalog.db import Catalog, default_database_url, open_catalog

__all__ = ["Catalog", "default_database_url", "open_catalog"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from catalog import db

        return getattr(db, name)
    raise AttributeError(f"module 'catalog' has no attribute {name!r}")
