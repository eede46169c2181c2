"""Helpers for the API tests: a token per seeded person and a small client wrapper."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.integration.conftest import ACCOUNTS, SYSTEM, People
from workflow_app.accounts.tokens import create_token
from workflow_app.extensions import db

LINK = "https://www.mfa.go.th/th/content/integrity-2568"


def tiny_pdf(text: str = "integrity plan evidence") -> bytes:
    """A real one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        None,  # the content stream, built below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    stream = f"BT /F1 10 Tf 10 50 Td ({text}) Tj ET".encode("ascii")
    objects[3] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_tokens(app: Flask, people: People) -> dict[str, str]:
    """One API token per seeded person (the test modules wrap this in a fixture)."""
    with app.app_context():
        return {
            name: create_token(db.session, people.user(name), actor=SYSTEM, label="tests")
            for name in ACCOUNTS
        }


@dataclass
class Api:
    """Calls the API as a named person (by their token) or, with who=None, anonymously."""

    client: FlaskClient
    tokens: dict[str, str]
    people: People

    def headers(self, who: str | None) -> dict[str, str]:
        return bearer(self.tokens[who]) if who else {}

    def get(self, who: str | None, path: str) -> TestResponse:
        return self.client.get(path, headers=self.headers(who))

    def activity(self, who: str | None, code: str) -> TestResponse:
        return self.get(who, f"/api/v1/activities/{self.people.activities[code]}")

    def act(self, who: str | None, code: str, action: str, **body: Any) -> TestResponse:
        path = f"/api/v1/activities/{self.people.activities[code]}/actions/{action}"
        return self.client.post(path, json=body, headers=self.headers(who))

    def submit(
        self,
        who: str | None,
        code: str,
        *,
        narrative: str = "ดำเนินการตามแผนแล้ว",
        files: list[tuple[bytes, str]] | None = None,
        links: list[str] | None = None,
        **extra: Any,
    ) -> TestResponse:
        if files is None:
            files = [(tiny_pdf(), "รายงานผล.pdf")]
        data: dict[str, Any] = {
            "narrative": narrative,
            "files": [(io.BytesIO(content), name) for content, name in files],
            "links": links or [],
            **extra,
        }
        path = f"/api/v1/activities/{self.people.activities[code]}/actions/submit"
        return self.client.post(
            path, data=data, headers=self.headers(who), content_type="multipart/form-data"
        )

    def certify(self, code: str, times: int = 1) -> None:
        for _ in range(times):
            assert self.submit("officer", code).status_code == 201
            assert self.act("reviewer", code, "forward").status_code == 200
            assert self.act("head", code, "approve").status_code == 200
