"""Every route that names a row by id answers 404 for an id no row can have.

Ids are PostgreSQL INTEGERs: a larger one must be refused by the URL converter, before a query
binds it (on PostgreSQL that would be a database error and a 500)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import login
from tests.integration.conftest import PASSWORD, People
from workflow_app.db import MAX_ID

TOO_LARGE = MAX_ID + 1
_PART = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def _fill(part: re.Match[str]) -> str:
    return str(TOO_LARGE) if part["converter"] == "id" else "x"


def id_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, path) for every rule with an `<id:…>` part, ids filled with TOO_LARGE."""
    found = []
    for rule in app.url_map.iter_rules():
        if "<id:" not in rule.rule:
            continue
        path = _PART.sub(_fill, rule.rule)
        found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def test_ids_beyond_the_column_are_404_everywhere(
    app: Flask, client: FlaskClient, people: People
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # the id is what is tested, not the form
    routes = id_routes(app)
    paths = {path for _method, path in routes}
    # These had no bound: on PostgreSQL they answered 500.
    assert f"/public/plans/{TOO_LARGE}" in paths
    assert f"/public/evidence/{TOO_LARGE}" in paths
    assert f"/admin/users/{TOO_LARGE}" in paths
    assert f"/api/v1/activities/{TOO_LARGE}" in paths
    login(client, "admin", PASSWORD)
    for method, path in routes:
        response = client.open(path, method=method)
        assert response.status_code == 404, (method, path, response.status_code)
