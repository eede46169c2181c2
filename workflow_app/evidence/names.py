"""File names of evidence: kept for people to read (Thai intact), made safe for every disk and
browser they reach."""

from __future__ import annotations

import re
import unicodedata

from workflow_app.evidence.validation import EvidenceError

MAX_FILENAME_BYTES = 150
_MAX_EXTENSION_CHARS = 16
_FORBIDDEN_CHARACTERS = frozenset('<>:"|?*')
# Controls, invisible format marks and surrogates: never kept in a name (or a link).
REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in "123456789¹²³"}
)


def sanitise_filename(name: str) -> str:
    """A display- and disk-safe version of an uploaded file's name, Thai kept intact.

    Raises ``EvidenceError("bad_filename")`` when nothing usable is left.
    """
    # The steps interact (dropping an invisible mark can let NFC compose two characters; a cut
    # can expose a reserved name), so they run until nothing changes, which makes the function
    # idempotent by construction. Two rounds suffice in practice; the bound is a safety net.
    current = name
    for _ in range(6):
        cleaned = _sanitise_once(current)
        if cleaned == current:
            break
        current = cleaned
    if not current:
        raise EvidenceError(
            "bad_filename", "The file name is empty once unsafe characters are removed."
        )
    return current


def _sanitise_once(name: str) -> str:
    text = unicodedata.normalize("NFC", name)
    text = re.split(r"[/\\]", text)[-1]
    kept: list[str] = []
    for char in text:
        if char.isspace() or char in _FORBIDDEN_CHARACTERS:
            kept.append(" ")
        elif unicodedata.category(char) not in REMOVED_CATEGORIES:
            kept.append(char)
    text = unicodedata.normalize("NFC", " ".join("".join(kept).split()))
    # Leading dots hide files on Unix; trailing dots and spaces are silently dropped by Windows.
    text = text.lstrip(". ").rstrip(". ")
    if _is_reserved(text):
        text = "_" + text
    return _bound_length(text)


def _is_reserved(text: str) -> bool:
    # Windows treats "CON.txt" and "con .tar.gz" as the console device too.
    return text.split(".", 1)[0].rstrip(" ").upper() in _WINDOWS_RESERVED


def _bound_length(text: str) -> str:
    if len(text.encode("utf-8")) <= MAX_FILENAME_BYTES:
        return text
    stem, extension = _split_extension(text)
    budget = MAX_FILENAME_BYTES - len(extension.encode("utf-8"))
    fit = len(stem.encode("utf-8")[:budget].decode("utf-8", "ignore"))
    cut = fit
    # Do not leave a Thai consonant without the vowel or tone marks that followed it.
    while cut > 0 and unicodedata.category(stem[cut])[0] == "M":
        cut -= 1
    if cut == 0:
        cut = fit  # one absurdly long cluster: a code-point cut is the best on offer
    return stem[:cut].rstrip(". ") + extension


def _split_extension(text: str) -> tuple[str, str]:
    dot = text.rfind(".")
    suffix = text[dot + 1 :]
    plausible = 0 < len(suffix) <= _MAX_EXTENSION_CHARS and suffix.isascii() and suffix.isalnum()
    if dot > 0 and plausible:
        return text[:dot], text[dot:]
    return text, ""
