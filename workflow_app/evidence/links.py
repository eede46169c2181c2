"""Links as evidence: http(s) addresses to a named host, normalised, nothing a browser would run."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from workflow_app.evidence.names import REMOVED_CATEGORIES
from workflow_app.evidence.validation import EvidenceError

MAX_LINK_CHARS = 2_000
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


def validate_link(url: str) -> str:
    """Check an evidence link and return it normalised; raises ``EvidenceError("bad_link")``.

    Normalised means: scheme and host lower-cased, default port dropped, empty path as "/".
    Thai host names stay in Thai for readability. Private and intranet hosts are allowed:
    government evidence often lives on internal systems, and the app never fetches links.
    """
    candidate = url.strip()  # pasted links often carry a trailing newline
    if not candidate:
        raise _bad_link("The link is empty.")
    if len(candidate) > MAX_LINK_CHARS:
        raise _bad_link(f"The link is longer than {MAX_LINK_CHARS:,} characters.")
    # Backslashes are read as "/" by browsers, which lets "https://evil\@good" mislead a reader.
    if "\\" in candidate or any(
        char.isspace() or unicodedata.category(char) in REMOVED_CATEGORIES for char in candidate
    ):
        raise _bad_link("The link contains spaces, backslashes or invisible characters.")
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError as error:
        raise _bad_link("The link is not a valid web address.") from error
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise _bad_link("Only web links starting with http:// or https:// are accepted.")
    if "@" in parts.netloc:
        raise _bad_link("Links must not contain a user name or password.")
    if not parts.hostname:
        raise _bad_link("The link has no host name.")
    host = _normalise_host(parts.hostname)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    normalised = urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))
    if len(normalised) > MAX_LINK_CHARS:
        raise _bad_link(f"The link is longer than {MAX_LINK_CHARS:,} characters.")
    return normalised


def _bad_link(message: str) -> EvidenceError:
    return EvidenceError("bad_link", message)


def _normalise_host(host: str) -> str:
    host = unicodedata.normalize("NFC", host).lower().rstrip(".")
    if ":" in host:
        try:
            return str(ipaddress.IPv6Address(host))
        except ValueError as error:
            raise _bad_link("The link's host is not a valid address.") from error
    try:
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise _bad_link("The link's host name is not valid.") from error
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise _bad_link("The link's host name is not valid.")
    return host
