"""Dump every page and API answer of a fixed scenario, to diff before and after a refactor.

    .venv/bin/python tools/page_dump.py OUT_DIR

Builds a throw-away SQLite instance with the sample plan and one account per duty, takes a fixed
series of workflow actions through the pages (every state, a return, a revocation, a withdrawal,
a target met below the last level, refused actions), then saves what each role sees in Thai and
in English, and the JSON API's answers, one file per request. Times, hashes and CSRF tokens are
replaced by placeholders, so two runs of the same code give identical files and a diff shows
only what a change altered.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "a long dump password"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

_NORMALISE = [
    (re.compile(r"\b[0-9a-f]{64}\b"), "<sha256>"),
    (re.compile(r"\b[0-9a-f]{16}\b"), "<hex16>"),
    (re.compile(r"\b[0-9a-f]{6,63}…"), "<hash…>"),
    (re.compile(r'(name="csrf_token"[^>]*value=")[^"]+'), r"\1<csrf>"),
    (re.compile(r'(<meta name="csrf-token" content=")[^"]+'), r"\1<csrf>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?"), "<iso>"),
    (re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?\b"), "<hh:mm>"),
    (re.compile(r"[๐-๙]{1,2}:[๐-๙]{2}"), "<hh:mm>"),
    (re.compile(r"audit-export-\d{4}-\d{2}-\d{2}"), "audit-export-<date>"),
]


def normalise(text: str) -> str:
    for pattern, replacement in _NORMALISE:
        text = pattern.sub(replacement, text)
    return text


class Dumper:
    def __init__(self, app: Any, out: Path) -> None:
        self.app = app
        self.out = out
        self.clients: dict[str, Any] = {}
        self.count = 0

    def client(self, username: str) -> Any:
        if username not in self.clients:
            client = self.app.test_client()
            page = client.get("/login").text
            client.post(
                "/login",
                data={"username": username, "password": PASSWORD, "csrf_token": csrf(page)},
            )
            self.clients[username] = client
        return self.clients[username]

    def save(self, name: str, response: Any) -> None:
        self.count += 1
        body = response.get_data(as_text=True)
        if response.mimetype and "json" in response.mimetype:
            with contextlib.suppress(ValueError):
                body = json.dumps(json.loads(body), ensure_ascii=False, indent=1, sort_keys=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")
        header = f"{response.status_code} {response.mimetype}\n"
        (self.out / f"{safe}.txt").write_text(header + normalise(body))

    def get(self, username: str, path: str, label: str) -> None:
        self.save(f"{label}{path}", self.client(username).get(path))

    def post(self, username: str, path: str, data: dict[str, Any], label: str = "") -> Any:
        client = self.client(username)
        token = csrf(client.get("/account").text)
        response = client.post(path, data={**data, "csrf_token": token})
        if label:
            self.save(f"{label}{path}", response)
        return response

    def api_post(self, username: str, path: str, body: dict[str, Any], label: str) -> None:
        client = self.client(username)
        token = csrf(client.get("/account").text)
        response = client.post(path, json=body, headers={"X-CSRFToken": token})
        self.save(f"{label}{path}", response)

    def language(self, username: str, locale: str) -> None:
        self.post(username, "/language", {"locale": locale, "next": "/account"})


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def version(dumper: Dumper, activity_id: int) -> int:
    data = dumper.client("auditor").get(f"/api/v1/activities/{activity_id}").get_json()
    return int(data["version"])


def act(dumper: Dumper, user: str, activity_id: int, action: str, **fields: Any) -> None:
    data = {"expected_version": version(dumper, activity_id), **fields}
    response = dumper.post(user, f"/activities/{activity_id}/actions/{action}", data)
    assert response.status_code == 302, (user, activity_id, action, response.status_code)


def submit(dumper: Dumper, activity_id: int, narrative: str, user: str = "officer") -> None:
    client = dumper.client(user)
    token = csrf(client.get(f"/activities/{activity_id}/submit").text)
    response = client.post(
        f"/activities/{activity_id}/actions/submit",
        data={
            "csrf_token": token,
            "expected_version": version(dumper, activity_id),
            "narrative": narrative,
            "links": "https://example.go.th/evidence",
            "files": [(io.BytesIO(PDF + narrative.encode()), "รายงาน.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, (activity_id, response.status_code, response.text[:500])


def certify(dumper: Dumper, activity_id: int, narrative: str) -> None:
    submit(dumper, activity_id, narrative)
    act(dumper, "reviewer", activity_id, "forward", comment="")
    act(dumper, "head", activity_id, "approve", comment="", publishable="y")


def build(app: Any) -> dict[str, int]:
    from sqlalchemy import select

    from state_machines import Role
    from workflow_app.accounts.models import Unit
    from workflow_app.accounts.operations import create_user
    from workflow_app.audit.append import AuditActor
    from workflow_app.demo import sample_plan_bytes
    from workflow_app.extensions import db
    from workflow_app.plans.importer import parse_plan_bytes
    from workflow_app.plans.loader import load_plan
    from workflow_app.plans.models import Activity

    system = AuditActor.system("dump")
    with app.app_context():
        data = sample_plan_bytes()
        load_plan(
            db.session,
            parse_plan_bytes(data),
            source_text=data.decode(),
            source_name="seed.txt",
            actor=system,
        )
        department = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
        secretariat = db.session.scalar(select(Unit).where(Unit.parent_id == department.id))
        accounts = {
            "officer": (Role.OFFICER, secretariat),
            "reviewer": (Role.REVIEWER, department),
            "head": (Role.DIVISION_HEAD, department),
            "auditor": (Role.AUDITOR, department),
            "admin": (Role.ADMIN, department),
        }
        for name, (role, unit) in accounts.items():
            create_user(
                db.session,
                username=name,
                password=PASSWORD,
                grants=[(role, unit)],
                actor=system,
                display_name=f"{name} ทดสอบ",
            )
        return dict(db.session.execute(select(Activity.code, Activity.id)).all())


def scenario(dumper: Dumper, ids: dict[str, int]) -> list[int]:
    returned, submitted, forwarded = ids["1.1.1"], ids["1.1.2"], ids["2.1.1"]
    revoked, met = ids["2.2.1"], ids["4.1.2"]
    certify(dumper, returned, "ระดับหนึ่ง")
    submit(dumper, returned, "ระดับสอง")
    act(dumper, "reviewer", returned, "return", comment="โปรดแนบรายงานฉบับลงนาม")
    submit(dumper, submitted, "รอตรวจ")
    submit(dumper, forwarded, "รอรับรอง")
    act(dumper, "reviewer", forwarded, "forward", comment="เห็นควรรับรอง")
    certify(dumper, revoked, "ครบ")
    act(dumper, "head", revoked, "revoke", comment="หลักฐานไม่ครบถ้วน")
    submit(dumper, revoked, "ส่งใหม่")
    act(dumper, "officer", revoked, "withdraw", comment="")
    for level in range(1, 5):
        certify(dumper, met, f"ระดับ {level}")
    return [returned, submitted, forwarded, revoked, met, ids["4.1.1"]]


def refusals(dumper: Dumper, ids: dict[str, int], label: str) -> None:
    submitted, forwarded, open_ = ids["1.1.2"], ids["2.1.1"], ids["4.1.1"]
    dumper.post(
        "reviewer",
        f"/activities/{submitted}/actions/return",
        {"expected_version": version(dumper, submitted), "comment": " "},
        label=f"{label}refused-return-",
    )
    dumper.post(
        "head",
        f"/activities/{submitted}/actions/approve",
        {"expected_version": version(dumper, submitted), "comment": "", "origin": "review"},
        label=f"{label}refused-approve-",
    )
    dumper.post(
        "reviewer",
        f"/activities/{forwarded}/actions/forward",
        {"expected_version": 1, "comment": "x"},
        label=f"{label}stale-forward-",
    )
    dumper.api_post("officer", f"/api/v1/activities/{forwarded}/actions/approve", {}, label)
    dumper.api_post("reviewer", f"/api/v1/activities/{open_}/actions/forward", {}, label)
    dumper.api_post(
        "head", f"/api/v1/activities/{submitted}/actions/revoke", {"reason": "x"}, label
    )
    dumper.api_post("head", f"/api/v1/activities/{ids['1.1.1']}/actions/revoke", {}, label)


def dump(dumper: Dumper, activities: list[int]) -> None:
    pages = [
        "/dashboard",
        "/inbox",
        "/plans",
        "/plans/1",
        "/plans/1/reports",
        "/account",
        *(f"/activities/{a}" for a in activities),
        *(f"/activities/{a}/review" for a in activities[:3]),
        *(f"/activities/{a}/submit" for a in activities),
    ]
    auditor_pages = [
        "/audit",
        "/audit?action=workflow.",
        f"/audit?activity={activities[0]}&order=asc",
        *(f"/audit/activities/{a}" for a in activities),
        "/audit/chain",
        "/audit/export",
    ]
    admin_pages = ["/admin/users", "/admin/users/1", "/admin/units", "/admin/plans/import"]
    public = ["/public/plans", "/public/plans/1", "/public/plans/1/feed.json"]
    api = [
        "/api/v1/plans",
        "/api/v1/plans/1",
        *(f"/api/v1/activities/{a}" for a in activities),
        *(f"/api/v1/activities/{a}/trail" for a in activities),
        "/api/v1/audit?limit=30",
        "/api/v1/audit/head",
    ]
    for locale in ("th", "en"):
        for user in ("officer", "reviewer", "head", "auditor", "admin"):
            dumper.language(user, locale)
            for path in pages:
                dumper.get(user, path, f"{locale}-{user}")
            if user in ("auditor", "admin"):
                for path in auditor_pages:
                    dumper.get(user, path, f"{locale}-{user}")
            if user == "admin":
                for path in admin_pages:
                    dumper.get(user, path, f"{locale}-{user}")
        for path in public:
            dumper.save(f"{locale}-public{path}", dumper.app.test_client().get(path))
    for user in ("officer", "head", "auditor"):
        for path in api:
            dumper.get(user, path, f"api-{user}")


def main() -> None:
    logging.disable(logging.INFO)  # one request log line per answer would drown the summary
    out = Path(sys.argv[1])
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    from workflow_app import create_app

    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'dump.sqlite3'}",
                "INSTANCE_PATH": str(instance),
                "SECRET_KEY": "page-dump",
                "FAST_PASSWORD_HASHING_FOR_TESTS": True,
                "WORKFLOW_UPLOAD_DIR": str(instance / "evidence"),
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
        ids = build(app)
        dumper = Dumper(app, out)
        activities = scenario(dumper, ids)
        for locale in ("th", "en"):
            for user in ("reviewer", "head", "officer"):
                dumper.language(user, locale)
            refusals(dumper, ids, f"{locale}-")
        dump(dumper, activities)
    print(f"{dumper.count} answers written to {out}")


if __name__ == "__main__":
    main()
