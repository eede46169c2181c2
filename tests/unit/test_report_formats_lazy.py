"""The report renderers are imported on first use, and each format's media type is its module's."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from workflow_app.reports.formats import FORMATS


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_names_its_modules_media_type(name: str) -> None:
    fmt = FORMATS[name]
    module = importlib.import_module(f"workflow_app.reports.{fmt.module}")
    assert fmt.media_type == module.MEDIA_TYPE
    assert callable(getattr(module, f"render_{name}"))


def test_loading_the_app_does_not_import_the_pdf_and_spreadsheet_libraries() -> None:
    probe = (
        "import sys; from workflow_app import create_app; "
        "create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 'x', "
        "'TESTING': True}); "
        "print(sorted(m for m in ('fpdf', 'openpyxl', 'uharfbuzz') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr
