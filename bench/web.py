"""Section 4: HTTP under gunicorn (2 sync workers) on the large PostgreSQL dataset, driven by
wrk (16 connections). Pages are fetched with a signed-in session cookie; the API with a Bearer
token. Every response status is counted by a wrk Lua script: a redirect to the login page would
otherwise look like a very fast page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from common import (
    BENCH_PASSWORD,
    ROOT,
    Row,
    Section,
    flask_cli,
    flask_env,
    fmt_rate,
    log,
)

USER_AGENT = "wf-bench/1 (wrk)"
PAGE_SIZE = 50  # the explorer's default page

WRK_SCRIPT = r"""
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  statuses = {}
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do
      counts[tostring(code)] = (counts[tostring(code)] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%s":%d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"errors":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))
end
"""


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int  # responses other than 200, plus socket errors


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _request(
    url: str, *, cookie: str = "", data: dict[str, str] | None = None, token: str = ""
) -> tuple[int, str, list[str]]:
    headers = {"User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return (
                response.status,
                response.read().decode("utf-8", "replace"),
                response.headers.get_all("Set-Cookie") or [],
            )
    except urllib.error.HTTPError as error:
        return (
            error.code,
            error.read().decode("utf-8", "replace"),
            error.headers.get_all("Set-Cookie") or [],
        )


def _cookies(set_cookie: list[str], jar: dict[str, str]) -> dict[str, str]:
    for header in set_cookie:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def _cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def sign_in(base: str, username: str) -> str:
    """A session cookie header for `username` (GET /login for the CSRF token, then POST)."""
    status, html, set_cookie = _request(f"{base}/login")
    if status != 200:
        raise RuntimeError(f"GET /login answered {status}")
    match = CSRF.search(html)
    if match is None:
        raise RuntimeError("no CSRF token on the login page")
    jar = _cookies(set_cookie, {})
    status, _, set_cookie = _request(
        f"{base}/login",
        cookie=_cookie_header(jar),
        data={
            "username": username,
            "password": BENCH_PASSWORD,
            "csrf_token": match.group(1) or match.group(2),
        },
    )
    if status != 302:
        raise RuntimeError(f"signing in {username} answered {status}, not a redirect")
    return _cookie_header(_cookies(set_cookie, jar))


def run_wrk(url: str, headers: list[str], seconds: float, script: Path) -> WrkResult:
    command = ["wrk", "-t2", "-c16", f"-d{seconds:g}s", "--latency", "-s", str(script)]
    for header in headers:
        command += ["-H", header]
    completed = subprocess.run(
        [*command, url], capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    line = next((row for row in completed.stdout.splitlines() if row.startswith("WRKJSON ")), None)
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {completed.stdout[-500:]} {completed.stderr[-500:]}")
    data = json.loads(line.removeprefix("WRKJSON "))
    good = int(data["statuses"].get("200", 0))
    return WrkResult(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        bad=data["requests"] - good + data["errors"],
    )


def _mean(results: list[WrkResult]) -> WrkResult:
    count = len(results)
    return WrkResult(
        rps=sum(r.rps for r in results) / count,
        p50_ms=sum(r.p50_ms for r in results) / count,
        p99_ms=max(r.p99_ms for r in results),
        requests=sum(r.requests for r in results),
        bad=sum(r.bad for r in results),
    )


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log_path.read_text()[-2000:]}")
        try:
            if _request(f"{base}/livez")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer /livez within 120 s")


def measure(database_url: str, instance: Path, *, seconds: float, redis_url: str | None) -> Section:
    section = Section()
    name = "4. HTTP (gunicorn -w 2, wrk -c16)"
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        head_seq = int(conn.execute(text("SELECT seq FROM audit_chain_head WHERE id = 1")).one()[0])
        activity_id = int(
            conn.execute(
                text(
                    "SELECT id FROM activities WHERE state = 'open' AND certified_level = 2 "
                    "ORDER BY id LIMIT 1"
                )
            ).one()[0]
        )
    engine.dispose()
    token = flask_cli(["user", "token", "bench_officer"], database_url, instance).strip()
    page = max(1, min(10_000, head_seq // PAGE_SIZE))
    before_seq = head_seq - PAGE_SIZE * (page - 1) + 1

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = flask_env(
        database_url,
        instance,
        RATELIMIT_STORAGE_URI=redis_url or "memory://",
        WEB_CONCURRENCY="2",
    )
    log_path = instance / "gunicorn.log"
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    with log_path.open("wb") as server_log:
        process = subprocess.Popen(
            [
                gunicorn,
                "-c",
                "gunicorn.conf.py",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "workflow_app:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(base, process, log_path)
        officer = sign_in(base, "bench_officer")
        auditor = sign_in(base, "bench_auditor")
        ua = f"User-Agent: {USER_AGENT}"
        targets: dict[str, tuple[str, list[str]]] = {
            "livez": ("/livez", [ua]),
            "dashboard": ("/dashboard", [ua, f"Cookie: {officer}"]),
            "activity": (f"/activities/{activity_id}", [ua, f"Cookie: {officer}"]),
            "audit_p1": ("/audit", [ua, f"Cookie: {auditor}"]),
            "audit_pN": (f"/audit?before_seq={before_seq}", [ua, f"Cookie: {auditor}"]),
            "api": (
                f"/api/v1/activities/{activity_id}",
                [ua, f"Authorization: Bearer {token}"],
            ),
        }
        for key, (path, headers) in targets.items():  # warm both workers; check the status
            cookie = next((h[8:] for h in headers if h.startswith("Cookie: ")), "")
            bearer = next((h[22:] for h in headers if h.startswith("Authorization: ")), "")
            for _ in range(6):
                status, body, _ = _request(base + path, cookie=cookie, token=bearer)
                if status != 200:
                    raise RuntimeError(f"{key} {path} answered {status}: {body[:300]}")
        script = instance / "count.lua"
        script.write_text(WRK_SCRIPT)
        # Bracketed order: the floor first and last, the two explorer pages ABBA.
        order = [
            "livez",
            "audit_p1",
            "audit_pN",
            "dashboard",
            "activity",
            "api",
            "audit_pN",
            "audit_p1",
            "livez",
        ]
        runs: dict[str, list[WrkResult]] = {key: [] for key in targets}
        for key in order:
            path, headers = targets[key]
            log(f"section 4: wrk {seconds:g} s {path}")
            runs[key].append(run_wrk(base + path, headers, seconds, script))
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()

    result = {key: _mean(values) for key, values in runs.items()}
    floor = result["livez"]
    labels = {
        "livez": ("/livez (the floor)", None),
        "dashboard": ("/dashboard", 0.10),
        "activity": (f"/activities/{activity_id}", 0.15),
        "audit_p1": ("/audit page 1", None),
        "audit_pN": (f"/audit page {page:,} (before_seq={before_seq})", None),
        "api": (f"GET /api/v1/activities/{activity_id}", None),
    }
    for key, (label, share) in labels.items():
        got = result[key]
        bad = f"; {got.bad} non-200/errors" if got.bad else ""
        section.add(
            Row(
                name,
                f"{label} req/s",
                fmt_rate(got.rps, "req/s"),
                "/livez " + fmt_rate(floor.rps, "req/s"),
                got.rps / floor.rps,
                f"≥ {share:.2f}× /livez" if share else "—",
                (got.rps / floor.rps >= share and not got.bad) if share else None,
                f"{got.requests:,} requests{bad}",
            )
        )
        section.add(
            Row(
                name,
                f"{label} p50 / p99",
                f"{got.p50_ms:,.1f} / {got.p99_ms:,.1f} ms",
                f"/livez {floor.p50_ms:,.1f} / {floor.p99_ms:,.1f} ms",
                got.p99_ms / floor.p99_ms if floor.p99_ms else None,
                "p99 < 50 ms",
                got.p99_ms < 50 and not got.bad,
            )
        )
    p1, pn = result["audit_p1"], result["audit_pN"]
    section.add(
        Row(
            name,
            f"explorer page {page:,} vs page 1 req/s",
            fmt_rate(pn.rps, "req/s"),
            "page 1 " + fmt_rate(p1.rps, "req/s"),
            pn.rps / p1.rps,
            "within 10% (≥ 0.90×)",
            pn.rps / p1.rps >= 0.9,
        )
    )
    section.notes.append(
        f"Section 4: wrk -t2 -c16 -d{seconds:g}s --latency; /livez first and last, the explorer "
        "pages in ABBA order (means of the two runs; p99 the worse of the two). With 16 "
        "connections on 2 sync workers, Little's law puts the mean latency near 16 / (req/s): "
        "p99 < 50 ms needs ≳ 320 req/s for that page. wrk shares the 2 cores with gunicorn."
    )
    return section


def wrk_problem() -> str | None:
    """None when wrk is on PATH; otherwise try Debian's package (root only), else say why."""
    if shutil.which("wrk"):
        return None
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: apt-get install -y wrk")
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        for commands in ([install], [["apt-get", "update", "-q"], install]):
            for command in commands:
                subprocess.run(command, capture_output=True, check=False, timeout=600)
            if shutil.which("wrk"):
                return None
    return "wrk is not installed (Debian: apt-get install -y wrk); HTTP section skipped"
