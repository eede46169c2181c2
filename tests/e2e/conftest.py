"""End-to-end fixtures: the real app served over HTTP on 127.0.0.1, driven by Debian's Chromium.

Playwright comes from PyPI with its own driver; the browser is the system's /usr/bin/chromium
(never a downloaded one).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.integration.conftest import People, seed_people
from tests.live_server import LiveServer

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (apt-get install chromium fonts-thai-tlwg)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "th-TH"}


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    app.config["WORKFLOW_DEFAULT_LOCALE"] = "th"  # as served: Thai first
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def e2e_people(app: Flask) -> People:
    return seed_people(app)
