"""Canonical bytes of an audit entry and its chained hash (pure; see docs/audit-log.md)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

FORMAT_VERSION = 1


def canonical_bytes(document: dict[str, Any]) -> bytes:
    """RFC 8785 (JCS) for the values we allow: objects with ASCII keys, strings, integers,
    booleans, null and arrays. Floats are refused because JCS number formatting is the one part
    where Python's json differs; we have no need for them."""
    _refuse_floats(document)
    return json.dumps(
        document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("audit payloads take integers and strings, not floats")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise TypeError(f"audit keys must be ASCII strings: {key!r}")
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)


def chain_hash(prev_hash_hex: str, body: bytes) -> str:
    """SHA-256 over the 32 raw bytes of the previous hash followed by the canonical body."""
    return hashlib.sha256(bytes.fromhex(prev_hash_hex) + body).hexdigest()


def format_time(moment: datetime) -> str:
    """UTC with microseconds and a Z: one spelling for every instant."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
