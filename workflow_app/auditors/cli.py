"""`flask audit …`: keys, checkpoints, verification and export for auditors."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from tools.verify_audit import Checkpoint, ExportFormatError, key_id, load_public_key
from workflow_app.audit.checkpoints import take_checkpoint
from workflow_app.audit.signing import generate_keypair, load_private_key, public_key_path
from workflow_app.audit.verification import export_log, stored_public_keys, verify_log
from workflow_app.extensions import db

audit_cli = AppGroup("audit", help="The tamper-evident audit log.")


def _signing_key_path() -> Path:
    configured = current_app.config.get("WORKFLOW_AUDIT_KEY")
    if not configured:
        raise click.ClickException(
            "WORKFLOW_AUDIT_KEY is not set: point it at a key made by `audit keygen PATH`"
        )
    return Path(configured)


@audit_cli.command("keygen")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def keygen_command(path: Path) -> None:
    """Write a new Ed25519 key pair to PATH (private, mode 0600) and PATH.pub."""
    try:
        identifier = generate_keypair(path)
    except FileExistsError as error:
        raise click.ClickException(f"{error}; refusing to overwrite a signing key") from None
    click.echo(f"key {identifier}: private key {path}, public key {public_key_path(path)}")
    click.echo("Keep the private key outside the database and its backups; set WORKFLOW_AUDIT_KEY.")


@audit_cli.command("checkpoint")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also save it here.")
def checkpoint_command(out: Path | None) -> None:
    """Sign the current head (seq, hash, time) with the key in WORKFLOW_AUDIT_KEY."""
    private_key = load_private_key(_signing_key_path())
    checkpoint = take_checkpoint(db.session, private_key)
    if checkpoint is None:
        raise click.ClickException("the audit log is empty: nothing to sign yet")
    document = checkpoint_document(checkpoint, private_key.public_key())
    if out is not None:
        out.write_text(json.dumps(document, indent=2) + "\n")
    click.echo(
        f"checkpoint: seq {checkpoint.seq} hash {checkpoint.entry_hash} key {checkpoint.key_id}"
    )


def checkpoint_document(checkpoint: Checkpoint, public_key: object) -> dict[str, object]:
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return {
        "type": "checkpoint",
        "seq": checkpoint.seq,
        "hash": checkpoint.entry_hash,
        "time": checkpoint.signed_at,
        "key_id": checkpoint.key_id,
        "signature_b64": base64.b64encode(checkpoint.signature).decode(),
        "public_key_b64": base64.b64encode(raw).decode(),
    }


def _read_checkpoint_file(path: Path) -> tuple[Checkpoint, object]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        document = json.loads(path.read_text())
        checkpoint = Checkpoint(
            seq=int(document["seq"]),
            entry_hash=str(document["hash"]),
            signed_at=str(document["time"]),
            key_id=str(document["key_id"]),
            signature=base64.b64decode(document["signature_b64"], validate=True),
        )
        public_key = Ed25519PublicKey.from_public_bytes(
            base64.b64decode(document["public_key_b64"], validate=True)
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise click.ClickException(f"{path}: not a checkpoint file ({error})") from None
    return checkpoint, public_key


@audit_cli.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A checkpoint kept outside the database (from `audit checkpoint --out`).",
)
@click.option(
    "--public-key",
    "public_key_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trust only these public keys (PEM; repeat for keys used before a rotation).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify_command(
    checkpoint_files: tuple[Path, ...], public_key_files: tuple[Path, ...], as_json: bool
) -> None:
    """Re-read the whole log, recompute every hash, check seq continuity and all checkpoints.

    Keys: with --public-key, only those; otherwise the keys stored with the log plus those of the
    checkpoint files given."""
    extra = []
    file_keys = {}
    for path in checkpoint_files:
        checkpoint, public_key = _read_checkpoint_file(path)
        extra.append(checkpoint)
        file_keys[key_id(public_key)] = public_key  # type: ignore[arg-type]
    trusted = None
    if public_key_files:
        trusted = {}
        for key_file in public_key_files:
            try:
                pinned = load_public_key(key_file)
            except (ValueError, ExportFormatError) as error:
                raise click.ClickException(f"{key_file}: {error}") from None
            trusted[key_id(pinned)] = pinned
    elif file_keys:
        trusted = {**stored_public_keys(db.session), **file_keys}
    report = verify_log(db.session, extra_checkpoints=extra, trusted_keys=trusted)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    elif report.ok:
        click.echo(
            f"OK: {report.count} entries, head seq {report.head_seq} hash {report.head_hash}, "
            f"{report.checkpoints_checked} checkpoints verified"
        )
    else:
        problem = report.problem
        assert problem is not None
        click.echo(f"FAILED at seq {problem.seq}: {problem.kind}: {problem.detail}")
    sys.exit(0 if report.ok else 1)


@audit_cli.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_command(out: Path) -> None:
    """Write the log, its checkpoints and public keys as JSON Lines for offline verification."""
    with out.open("w", encoding="utf-8") as stream:
        count = export_log(db.session, stream)
    click.echo(
        f"exported {count} entries to {out}; verify offline with tools/verify_audit.py {out}"
    )
