"""The OpenAPI document is the API's contract. schemathesis generates requests from it and sends
them to the application served over HTTP; every answer must match the document (its status
codes, content types and bodies) and none may be a server error.

Bounded (a few dozen examples per operation) and seeded (`derandomize`), so that a run costs
seconds and CI never fails by chance. One check is left out where the document cannot say
everything: a body or query the schema allows may still be refused by a rule the API documents
in words (the workflow's refusals of an action's input, the audit filters' dates and cursors),
with the 4xx the document lists.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.integration.api_support import make_tokens
from tests.integration.conftest import People
from tests.live_server import LiveServer

EXAMPLES = 25
# Operations where a schema-valid request may be refused by a documented rule.
RULES_BEYOND_THE_SCHEMA = {
    ("POST", "/api/v1/activities/{activity_id}/actions/{action}"),
    ("GET", "/api/v1/audit"),
}


@pytest.fixture
def server(app: Flask, people: People) -> Iterator[LiveServer]:
    live = LiveServer(app)
    live.start()
    yield live
    live.stop()


def check_operation(
    operation: schemathesis.APIOperation, base_url: str, token: str, excluded: list[object]
) -> None:
    """Send the operation's generated requests; raise on the first answer off the contract."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def conforms(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, excluded_checks=excluded)  # type: ignore[arg-type]

    conforms()


def test_every_answer_keeps_the_openapi_contract(
    app: Flask, people: People, server: LiveServer
) -> None:
    tokens = make_tokens(app, people)
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:
        # Whoever may do the most there: actions as a person holding every working role,
        # reads as an auditor (who may read everything, the audit log included).
        who = "multi" if operation.method.upper() == "POST" else "auditor"
        key = (operation.method.upper(), operation.path)
        excluded = [positive_data_acceptance] if key in RULES_BEYOND_THE_SCHEMA else []
        check_operation(operation, server.url, tokens[who], excluded)
