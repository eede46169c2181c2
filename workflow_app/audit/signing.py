"""Ed25519 keys that sign audit checkpoints (message and key ids: docs/audit-log.md).

The checkpoint format itself lives in tools/verify_audit.py, so the server signs exactly what the
auditors' stand-alone verifier checks.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tools import verify_audit
from tools.verify_audit import Checkpoint, is_hash, key_id


def public_key_path(path: Path) -> Path:
    """Where the public half of the key at `path` lives: the same name plus `.pub`."""
    return path.with_name(path.name + ".pub")


def generate_keypair(path: Path) -> str:
    """Write a new private key (PKCS8 PEM, unencrypted, mode 0600) to `path` and its public key
    to `path.pub`; returns the key id. Never overwrites: losing the old private key would orphan
    every checkpoint it signed, so an existing file is an error."""
    path = Path(path)
    public_path = public_key_path(path)
    if public_path.exists():
        raise FileExistsError(f"{public_path} already exists")
    private_key = Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # O_EXCL makes "refuse to overwrite" atomic, and the key is never readable by others, not
    # even between creating the file and restricting it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as stream:
            os.chmod(path, 0o600)  # the umask may have removed bits we want
            stream.write(private_pem)
        with public_path.open("xb") as stream:
            stream.write(public_pem)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return key_id(private_key.public_key())


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in the unencrypted PEM file at `path`."""
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key in the PEM file at `path`."""
    return verify_audit.load_public_key(path)


def sign_checkpoint(
    private_key: Ed25519PrivateKey, seq: int, entry_hash: str, signed_at: str
) -> Checkpoint:
    """Sign "the entry with this seq has this hash"; `signed_at` is a format_time() string."""
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValueError(f"a checkpoint needs a seq of 1 or more, not {seq!r}")
    if not is_hash(entry_hash):
        raise ValueError(f"not a lowercase SHA-256 hex hash: {entry_hash!r}")
    unsigned = Checkpoint(
        seq=seq,
        entry_hash=entry_hash,
        signed_at=signed_at,
        key_id=key_id(private_key.public_key()),
        signature=b"",
    )
    return replace(unsigned, signature=private_key.sign(unsigned.message()))
