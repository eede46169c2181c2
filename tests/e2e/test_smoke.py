"""The served app in a real browser: Thai renders, assets load locally, the CSP holds."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer


def test_login_page_is_thai_and_loads_only_local_assets(
    page: Page, live_server: LiveServer
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/login")
    expect(page.get_by_role("heading", name="เข้าสู่ระบบ")).to_be_visible()
    assert all(url.startswith(live_server.url) for url in requests), requests
    assert violations == []
    font_loaded = page.evaluate("document.fonts.check('16px Sarabun', 'ทดสอบ')")
    assert font_loaded
