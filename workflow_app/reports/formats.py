"""The three renderers by format name, for the pages and the command line.

Each renderer's module is imported on first use: fpdf, HarfBuzz and openpyxl weigh tens of
megabytes, and every worker and every `flask audit verify` would otherwise carry them.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workflow_app.reports.model import ProgressReport


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    module: str  # in workflow_app.reports, defining MEDIA_TYPE and render_<name>

    def render(self, report: ProgressReport) -> bytes:
        renderer = import_module(f"workflow_app.reports.{self.module}")
        content: bytes = getattr(renderer, f"render_{self.name}")(report)
        return content


FORMATS: dict[str, Format] = {
    "pdf": Format("pdf", "application/pdf", "pdf"),
    "xlsx": Format(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    ),
    "csv": Format("csv", "text/csv; charset=utf-8", "csv"),
}
