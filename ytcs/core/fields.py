"""Model fields shared by the apps."""

from __future__ import annotations

from django.db import models


class TreePathField(models.CharField):
    """Materialised org-unit path ("/1/7/42/") compared byte by byte on every database.

    A subtree is then the range [path, path with its last "/" bumped to "0"), which a plain B-tree index
    serves for filtering and for ORDER BY alike. PostgreSQL gets the "C" collation on the column so a
    locale's collation (which ignores punctuation) cannot reorder paths; SQLite compares bytes already.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
