"""The three renderers by format name, for the pages and the command line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workflow_app.reports import csv, pdf, xlsx
from workflow_app.reports.model import ProgressReport


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    render: Callable[[ProgressReport], bytes]


FORMATS: dict[str, Format] = {
    "pdf": Format("pdf", pdf.MEDIA_TYPE, pdf.render_pdf),
    "xlsx": Format("xlsx", xlsx.MEDIA_TYPE, xlsx.render_xlsx),
    "csv": Format("csv", csv.MEDIA_TYPE, csv.render_csv),
}
