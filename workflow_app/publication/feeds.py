"""Atom 1.0 and JSON Feed 1.1 of a plan's newly certified, publishable levels (pure)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from workflow_app.formatting import format_date
from workflow_app.plans.models import Plan
from workflow_app.publication.queries import PublishedLevel

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_LIMIT = 50


def _iso(moment: datetime | None) -> str:
    moment = moment or datetime(1970, 1, 1, tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def entry_title(level: PublishedLevel) -> str:
    return f"กิจกรรม {level.activity_code} {level.activity_title}: ผ่านการรับรองระดับ {level.level}"


def entry_text(level: PublishedLevel) -> str:
    lines = [entry_title(level)]
    if level.certified_at is not None:
        lines.append(f"รับรองเมื่อ {format_date(level.certified_at, with_time=True)}")
    if level.criterion:
        lines.append(f"เกณฑ์: {level.criterion}")
    lines.append(level.narrative)
    for item in level.evidence:
        if item.kind == "file":
            lines.append(f"หลักฐาน: {item.filename} (SHA-256 {item.sha256})")
        else:
            lines.append(f"ลิงก์: {item.url}")
    return "\n".join(lines)


def atom_feed(
    plan: Plan,
    levels: Sequence[PublishedLevel],
    *,
    self_url: str,
    page_url: str,
    entry_url: Callable[[PublishedLevel], str],
) -> bytes:
    levels = list(levels)[:FEED_LIMIT]
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", self_url)
    sub(feed, "title", f"{plan.title} ({plan.agency}) ปีงบประมาณ {plan.fiscal_year}")
    sub(feed, "subtitle", "ระดับที่ผ่านการรับรองและเผยแพร่ได้")
    updated = max((lv.certified_at for lv in levels if lv.certified_at), default=plan.imported_at)
    sub(feed, "updated", _iso(updated))
    author = sub(feed, "author")
    sub(author, "name", plan.agency)
    sub(feed, "link", href=self_url, rel="self", type="application/atom+xml")
    sub(feed, "link", href=page_url, rel="alternate", type="text/html")
    for level in levels:
        entry = sub(feed, "entry")
        sub(entry, "id", entry_url(level))
        sub(entry, "title", entry_title(level))
        sub(entry, "updated", _iso(level.certified_at))
        sub(entry, "link", href=entry_url(level), rel="alternate", type="text/html")
        sub(entry, "content", entry_text(level), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def json_feed(
    plan: Plan,
    levels: Sequence[PublishedLevel],
    *,
    self_url: str,
    page_url: str,
    entry_url: Callable[[PublishedLevel], str],
    evidence_url: Callable[[int], str],
) -> dict[str, Any]:
    items = []
    for level in list(levels)[:FEED_LIMIT]:
        items.append(
            {
                "id": entry_url(level),
                "url": entry_url(level),
                "title": entry_title(level),
                "content_text": entry_text(level),
                "date_published": _iso(level.certified_at),
                "language": "th",
                "_integrity_plan": {
                    "activity_code": level.activity_code,
                    "level": level.level,
                    "evidence": [
                        {
                            "kind": "file",
                            "name": item.filename,
                            "sha256": item.sha256,
                            "url": evidence_url(item.id),
                        }
                        if item.kind == "file"
                        else {"kind": "link", "url": item.url}
                        for item in level.evidence
                    ],
                },
            }
        )
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{plan.title} ({plan.agency}) ปีงบประมาณ {plan.fiscal_year}",
        "home_page_url": page_url,
        "feed_url": self_url,
        "language": "th",
        "authors": [{"name": plan.agency}],
        "items": items,
    }
