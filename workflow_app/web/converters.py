"""The `<id:…>` URL converter: a row id as PostgreSQL's INTEGER holds it.

Every route that names a row takes its id through this one converter, so an id too large for
the column is a 404 on both databases rather than a database error (a 500 on PostgreSQL).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from workflow_app.db import MAX_ID


class IdConverter(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(url_map, *args, max=MAX_ID, **kwargs)


def register(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
