"""Checkpoint signing keys: generation, loading, signing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tools.verify_audit import Checkpoint, EntryRecord, key_id, verify_entries
from workflow_app.audit.canonical import canonical_bytes, chain_hash
from workflow_app.audit.models import GENESIS_HASH
from workflow_app.audit.signing import (
    generate_keypair,
    load_private_key,
    load_public_key,
    public_key_path,
    sign_checkpoint,
)

TIME = "2024-10-01T03:04:05.123456Z"
HASH = chain_hash(GENESIS_HASH, b"{}")


def test_generate_keypair_writes_a_private_and_a_public_pem(tmp_path: Path) -> None:
    path = tmp_path / "audit-signing.pem"
    kid = generate_keypair(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS8, unencrypted
    assert public_key_path(path) == tmp_path / "audit-signing.pem.pub"
    assert public_key_path(path).read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    private_key, public_key = load_private_key(path), load_public_key(public_key_path(path))
    assert key_id(private_key.public_key()) == key_id(public_key) == kid
    assert len(kid) == 16 and int(kid, 16) >= 0


def test_generate_keypair_survives_a_strict_umask(tmp_path: Path) -> None:
    old = os.umask(0o277)
    try:
        generate_keypair(tmp_path / "k.pem")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "k.pem").stat().st_mode) == 0o600


def test_generate_keypair_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    kid = generate_keypair(path)
    original = path.read_bytes()
    with pytest.raises(FileExistsError):
        generate_keypair(path)
    assert path.read_bytes() == original
    assert key_id(load_public_key(public_key_path(path))) == kid

    # A stray public key alone is enough to refuse, and nothing is left behind.
    lonely = tmp_path / "other.pem"
    public_key_path(lonely).write_bytes(b"not mine")
    with pytest.raises(FileExistsError):
        generate_keypair(lonely)
    assert not lonely.exists()
    assert public_key_path(lonely).read_bytes() == b"not mine"


def test_loaders_refuse_other_key_types(tmp_path: Path) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    private_path = tmp_path / "ec.pem"
    private_path.write_bytes(
        other.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public_path = tmp_path / "ec.pub"
    public_path.write_bytes(
        other.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    with pytest.raises(ValueError, match="Ed25519"):
        load_private_key(private_path)
    with pytest.raises(ValueError, match="Ed25519"):
        load_public_key(public_path)


def test_sign_checkpoint_signs_the_documented_message(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    kid = generate_keypair(path)
    private_key = load_private_key(path)
    checkpoint = sign_checkpoint(private_key, 42, HASH, TIME)
    assert (checkpoint.seq, checkpoint.entry_hash, checkpoint.signed_at, checkpoint.key_id) == (
        42,
        HASH,
        TIME,
        kid,
    )
    expected = canonical_bytes(
        {"v": 1, "type": "audit-checkpoint", "seq": 42, "hash": HASH, "time": TIME, "key_id": kid}
    )
    assert checkpoint.message() == expected
    public_key = load_public_key(public_key_path(path))
    public_key.verify(checkpoint.signature, expected)
    with pytest.raises(InvalidSignature):
        public_key.verify(checkpoint.signature, expected.replace(b'"seq":42', b'"seq":43'))


def test_a_signed_checkpoint_verifies_only_with_its_key(tmp_path: Path) -> None:
    body = canonical_bytes({"payload": {}, "prev": GENESIS_HASH, "seq": 1, "subject": {}})
    entry_hash = chain_hash(GENESIS_HASH, body)
    entries = [EntryRecord(1, body, GENESIS_HASH, entry_hash)]
    generate_keypair(tmp_path / "a.pem")
    generate_keypair(tmp_path / "b.pem")
    checkpoint = sign_checkpoint(load_private_key(tmp_path / "a.pem"), 1, entry_hash, TIME)
    key_a = load_public_key(tmp_path / "a.pem.pub")
    key_b = load_public_key(tmp_path / "b.pem.pub")
    assert verify_entries(entries, [checkpoint], {key_id(key_a): key_a}).ok
    report = verify_entries(entries, [checkpoint], {key_id(key_b): key_b})
    assert report.problem is not None and report.problem.kind == "bad_signature"


@pytest.mark.parametrize(
    ("seq", "entry_hash"),
    [(0, HASH), (-1, HASH), (True, HASH), (1, HASH.upper()), (1, HASH[:-1]), (1, "z" * 64)],
)
def test_sign_checkpoint_refuses_nonsense(tmp_path: Path, seq: int, entry_hash: str) -> None:
    generate_keypair(tmp_path / "k.pem")
    with pytest.raises(ValueError):
        sign_checkpoint(load_private_key(tmp_path / "k.pem"), seq, entry_hash, TIME)


def test_checkpoint_is_the_verifiers_type(tmp_path: Path) -> None:
    generate_keypair(tmp_path / "k.pem")
    checkpoint = sign_checkpoint(load_private_key(tmp_path / "k.pem"), 1, HASH, TIME)
    assert type(checkpoint) is Checkpoint
