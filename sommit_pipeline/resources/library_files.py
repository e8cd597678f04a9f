"""Dagster resource naming the restaurant's library and link files."""

from __future__ import annotations

from pathlib import Path

import dagster as dg


class LibraryFiles(dg.ConfigurableResource):
    """Where the library export and the seed links live; empty means none."""

    library_csv: str = ""
    links_csv: str = ""

    def library_path(self) -> Path | None:
        return Path(self.library_csv) if self.library_csv else None

    def links_path(self) -> Path | None:
        return Path(self.links_csv) if self.links_csv else None
