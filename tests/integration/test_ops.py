"""Health probes and structured logs for production."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade

from tests.integration.conftest import People
from tests.integration.workflow_support import act


def test_healthz_reports_database_migrations_and_audit_head(
    app: Flask, client: FlaskClient, people: People
) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["migrations"] == "current"
    assert body["audit_head"]["seq"] > 0 and len(body["audit_head"]["hash"]) == 64
    ready = client.get("/readyz")
    assert ready.status_code == 200 and "audit_head" not in ready.get_json()


def test_livez_needs_no_database(client: FlaskClient) -> None:
    assert client.get("/livez").get_json() == {"status": "ok"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_outdated_schema_is_not_ready(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        downgrade(revision="0002_workflow")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["migrations"] == "outdated"


def test_each_request_and_transition_logs_one_json_line(
    app: Flask, client: FlaskClient, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="workflow_app.requests")
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    with app.app_context():
        act(people, "officer", "1.1.1", "submit")
    lines = [
        json.loads(r.getMessage()) for r in caplog.records if r.name == "workflow_app.requests"
    ]
    request_line = next(line for line in lines if line["event"] == "request")
    assert request_line["request_id"] == "abc-123"
    assert request_line["path"] == "/healthz" and request_line["status"] == 200
    assert request_line["duration_ms"] >= 0
    transition = next(line for line in lines if line["event"] == "transition")
    assert transition["action"] == "submit" and transition["outcome"] == "ok"
    assert transition["user"] == people.ids["officer"] and transition["to_state"] == "submitted"


def test_a_refused_transition_is_logged_with_its_reason(
    app: Flask, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="workflow_app.requests")
    with app.app_context(), pytest.raises(Exception, match="role"):
        act(people, "reviewer", "1.1.1", "submit")
    transition = next(
        json.loads(r.getMessage()) for r in caplog.records if '"transition"' in r.getMessage()
    )
    assert (transition["outcome"], transition["status"]) == ("wrong_role", 403)


def test_a_bogus_request_id_is_replaced(client: FlaskClient) -> None:
    response = client.get("/readyz", headers={"X-Request-ID": "bad id with spaces"})
    assert response.headers["X-Request-ID"] != "bad id with spaces"
    assert len(response.headers["X-Request-ID"]) == 32
