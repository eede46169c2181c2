"""The public pages and feeds: no sign-in, no writes, and only publishable certified levels."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.conftest import People
from tests.integration.workflow_support import act, pdf
from workflow_app.extensions import db
from workflow_app.plans.models import Plan
from workflow_app.workflow.models import EvidenceItem, Submission

ATOM = "{http://www.w3.org/2005/Atom}"
SECRETS = ("ลับ-ยังไม่อนุมัติ", "ลับ-ส่งกลับ", "ลับ-ไม่เผยแพร่", "ลับ-ถูกเพิกถอน")


def _certify(people: People, code: str, narrative: str, *, publishable: bool, name: str) -> None:
    act(people, "officer2", code, "submit", narrative=narrative, files=[pdf(name, name.encode())])
    act(people, "reviewer", code, "forward")
    act(people, "head", code, "approve", publishable=publishable)


@pytest.fixture
def published(app_ctx: Flask, people: People) -> dict[str, int]:
    codes = sorted(people.activities)[:5]
    _certify(people, codes[0], "เผยแพร่ได้-ผลงานดีเด่น", publishable=True, name="ผลงาน.pdf")
    act(people, "officer2", codes[1], "submit", narrative=SECRETS[0], files=[pdf("a.pdf", b"a")])
    act(people, "officer2", codes[2], "submit", narrative=SECRETS[1], files=[pdf("b.pdf", b"b")])
    act(people, "reviewer", codes[2], "return")
    _certify(people, codes[3], SECRETS[2], publishable=False, name="c.pdf")
    _certify(people, codes[4], SECRETS[3], publishable=True, name="d.pdf")
    act(people, "head", codes[4], "revoke")
    plan_id = db.session.query(Plan.id).scalar()
    items = {
        submission.narrative: submission.evidence[0].id
        for submission in db.session.query(Submission).all()
    }
    db.session.rollback()
    return {"plan": plan_id, **items}


def test_public_pages_need_no_sign_in_and_show_only_publishable_levels(
    client: FlaskClient, published: dict[str, int]
) -> None:
    listing = client.get("/public/plans")
    assert listing.status_code == 200
    assert f"/public/plans/{published['plan']}" in listing.text

    page = client.get(f"/public/plans/{published['plan']}")
    assert page.status_code == 200
    html = page.text
    assert "เผยแพร่ได้-ผลงานดีเด่น" in html
    assert "ผลงาน.pdf" in html
    item = db.session.get(EvidenceItem, published["เผยแพร่ได้-ผลงานดีเด่น"])
    assert item is not None and item.sha256 in html
    for secret in SECRETS:
        assert secret not in html
    for staff in ("officer2", "reviewer"):
        assert staff not in html


def test_feeds_parse_and_hold_only_publishable_levels(
    client: FlaskClient, published: dict[str, int]
) -> None:
    atom = client.get(f"/public/plans/{published['plan']}/feed.atom")
    assert atom.status_code == 200 and atom.mimetype == "application/atom+xml"
    root = ET.fromstring(atom.data)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    assert "ผ่านการรับรองระดับ 1" in entries[0].findtext(f"{ATOM}title", "")
    for tag in ("id", "updated", "title"):
        assert root.findtext(f"{ATOM}{tag}")
    text = atom.data.decode()

    feed = client.get(f"/public/plans/{published['plan']}/feed.json")
    assert feed.status_code == 200 and feed.mimetype == "application/feed+json"
    document = json.loads(feed.data)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert len(document["items"]) == 1
    assert "เผยแพร่ได้-ผลงานดีเด่น" in document["items"][0]["content_text"]
    for secret in SECRETS:
        assert secret not in text and secret not in feed.data.decode()


def test_evidence_downloads_only_for_published_levels(
    client: FlaskClient, published: dict[str, int]
) -> None:
    ok = client.get(f"/public/evidence/{published['เผยแพร่ได้-ผลงานดีเด่น']}")
    assert ok.status_code == 200
    assert ok.headers["Content-Disposition"].startswith("attachment")
    assert ok.headers["X-Content-Type-Options"] == "nosniff"
    assert ok.data.startswith(b"%PDF")
    for secret in SECRETS:
        assert client.get(f"/public/evidence/{published[secret]}").status_code == 404
    assert client.get("/public/evidence/999999").status_code == 404


def test_public_urls_allow_no_writes(client: FlaskClient, published: dict[str, int]) -> None:
    plan = published["plan"]
    urls = [
        "/public/plans",
        f"/public/plans/{plan}",
        f"/public/plans/{plan}/feed.atom",
        f"/public/plans/{plan}/feed.json",
        f"/public/evidence/{published['เผยแพร่ได้-ผลงานดีเด่น']}",
    ]
    for url in urls:
        for method in ("post", "put", "delete", "patch"):
            assert getattr(client, method)(url).status_code == 405, (method, url)


def test_unknown_plan_is_404(client: FlaskClient, people: People) -> None:
    assert client.get("/public/plans/999999").status_code == 404
    assert client.get("/public/plans/999999/feed.atom").status_code == 404
