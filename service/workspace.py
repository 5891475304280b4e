"""A data directory and its catalogue, opened on first use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from catalog import Catalog, default_database_url, open_catalog
from catalog.layout import Layout
from errors import Unavailable

RetryFn = Callable[[str, float], None]
"""Hears why the database did not answer and how long until the next try."""


@dataclass
class Workspace:
    """What every workflow works in: the data directory's layout and its catalogue."""

    root: Path
    _catalog: Catalog | None = field(default=None, repr=False)

    @classmethod
    def over(cls, root: Path, catalog: Catalog) -> Workspace:
        """A workspace of `root` over a catalogue that is already open (its owner closes it)."""
        return cls(root, catalog)

    @property
    def layout(self) -> Layout:
        """Where things live in the data directory."""
        return Layout(self.root)

    @property
    def database_url(self) -> str:
        """SABAQ_DATABASE_URL, else the SQLite file of the data directory."""
        return default_database_url(self.root)

    def catalog(
        self, wait_s: float = 0.0, on_retry: RetryFn | None = None, *, migrate: bool = True
    ) -> Catalog:
        """The catalogue, opened (and migrated, unless `migrate` is False: a process that
        another one already migrated for) once; a database that does not answer is
        tried again for up to `wait_s` seconds."""
        if self._catalog is None:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise Unavailable(f"data directory {self.root}: {exc.strerror}") from None
            self._catalog = open_catalog(
                self.database_url, migrate=migrate, wait_s=wait_s, on_retry=on_retry
            )
        return self._catalog
