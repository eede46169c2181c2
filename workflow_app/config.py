"""Configuration read from the environment, with safe defaults for the embedded SQLite mode."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

DEFAULT_UPLOAD_LIMIT = 20 * 1024 * 1024


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/.

    Never a constant in the code: a leaked repository must not let anyone forge sessions.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    # O_EXCL: two workers starting at once must not each write a different key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def normalise_database_url(url: str) -> str:
    """Let `postgresql://` mean psycopg 3, the driver we ship."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_config(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    instance_path.mkdir(parents=True, exist_ok=True)
    env = os.environ
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'workflow.sqlite3'}"
    config: dict[str, Any] = {
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "WORKFLOW_UPLOAD_DIR": env.get("WORKFLOW_UPLOAD_DIR", str(instance_path / "evidence")),
        "WORKFLOW_MAX_UPLOAD_BYTES": int(
            env.get("WORKFLOW_MAX_UPLOAD_BYTES", DEFAULT_UPLOAD_LIMIT)
        ),
        "WORKFLOW_AUDIT_KEY": env.get("WORKFLOW_AUDIT_KEY") or None,
        "WORKFLOW_CHECKPOINT_EVERY_ENTRIES": int(
            env.get("WORKFLOW_CHECKPOINT_EVERY_ENTRIES", 1000)
        ),
        "WORKFLOW_CHECKPOINT_EVERY_MINUTES": int(env.get("WORKFLOW_CHECKPOINT_EVERY_MINUTES", 60)),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "BABEL_DEFAULT_LOCALE": "th",
        "WORKFLOW_DEFAULT_LOCALE": env.get("WORKFLOW_DEFAULT_LOCALE", "th"),
        "BABEL_DEFAULT_TIMEZONE": "Asia/Bangkok",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        # Outgoing e-mail; no MAIL_SERVER means notifications are off.
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT") or 25),
        "MAIL_FROM": env.get("MAIL_FROM", "no-reply@localhost"),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "0") == "1",
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_TIMEOUT_SECONDS": float(env.get("MAIL_TIMEOUT_SECONDS") or 10),
        # The outbox workers (`flask notify worker`): a claimed job is someone's for the lease
        # (longer than any one job takes: a message's SMTP timeout); a failed one is tried
        # again after the retry delay, doubling each time, up to the maximum of attempts.
        "WORKFLOW_OUTBOX_LEASE_SECONDS": float(env.get("WORKFLOW_OUTBOX_LEASE_SECONDS") or 300),
        "WORKFLOW_OUTBOX_POLL_SECONDS": float(env.get("WORKFLOW_OUTBOX_POLL_SECONDS") or 1),
        "WORKFLOW_OUTBOX_MAX_ATTEMPTS": int(env.get("WORKFLOW_OUTBOX_MAX_ATTEMPTS") or 8),
        "WORKFLOW_OUTBOX_RETRY_SECONDS": float(env.get("WORKFLOW_OUTBOX_RETRY_SECONDS") or 30),
        # A transition older than this when the worker reads it is not announced (the worker was
        # down, or mail was off): the daily digest says what still waits.
        "WORKFLOW_NOTIFY_MAX_AGE_HOURS": float(env.get("WORKFLOW_NOTIFY_MAX_AGE_HOURS") or 24),
    }
    if overrides:
        config.update(overrides)
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _secret_key(instance_path)
    # MAX_CONTENT_LENGTH bounds the whole request; a few files of the per-file limit fit.
    config.setdefault("MAX_CONTENT_LENGTH", config["WORKFLOW_MAX_UPLOAD_BYTES"] * 5 + 1024 * 1024)
    return config
