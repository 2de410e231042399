#!/usr/bin/env python3
"""Independent verifier for the dinhdanh transparency log (the ledger).

Written from the public specifications only, not from the server's code:

* RFC 9162 (Certificate Transparency 2.0) §2.1: the Merkle tree hash MTH over
  SHA-256, §2.1.3.2 "Verifying an Inclusion Proof" and §2.1.4.2 "Verifying
  Consistency between Two Tree Heads".
* C2SP signed-note (https://c2sp.org/signed-note): the note format, verifier
  keys ("vkeys") and Ed25519 note signatures (type 0x01).
* C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note text of a
  checkpoint (origin, tree size, root hash, optional extension lines).
* C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature): timestamped
  Ed25519 cosignatures (type 0x04), which the log uses to put a signed time on
  each checkpoint.

Subcommands (exit status 0 = verified, 1 = verification failed with one
"FAIL: ..." line on stderr, 2 = usage or I/O error):

    verify.py log --url BASE --key VKEY [--key VKEY2] [--state FILE] [--sample N]
    verify.py inclusion --key VKEY ...      < {"checkpoint", "entry", "index", "proof"}
    verify.py consistency --key VKEY ...    < {"old", "new", "proof"}
    verify.py vkey --name NAME --type 1|4 --public-key-b64 B64

Every --key is trusted, and the checkpoint must carry a valid signature by each
of them. See README.md beside this file.
"""

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import secrets
import sys
import tempfile
import time

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class VerifyError(Exception):
    """The log, a checkpoint or a proof failed verification (exit status 1)."""


class UsageError(Exception):
    """Bad arguments or input, or an I/O or HTTP failure (exit status 2)."""


# ---------------------------------------------------------------------------
# RFC 9162 §2.1: Merkle tree hashes, inclusion and consistency proofs
# ---------------------------------------------------------------------------

HASH_SIZE = 32  # SHA-256, the hash algorithm of RFC 9162 §2.1 as the log uses it

# RFC 9162 §2.1.1: "The hash of an empty list is the hash of an empty string":
# MTH({}) = HASH().
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry):
    """RFC 9162 §2.1.1: the hash of a list with one entry, MTH({d(0)}) = HASH(0x00 || d(0))."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    """RFC 9162 §2.1.1: an interior node, HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_leaf_hashes(leaf_hashes):
    """MTH(D_n) of RFC 9162 §2.1.1, from the leaf hashes in order (any iterable).

    The RFC splits D_n at k, the largest power of two smaller than n, so D[0:k]
    is a perfect subtree and D[k:n] is split the same way. Unrolled, the leaves
    fall into perfect subtrees whose sizes are the binary digits of n, largest
    first, and MTH(D_n) = HASH(0x01 || s1 || HASH(0x01 || s2 || ...)), folded
    from the right. This builds those subtrees on a stack while reading the
    leaves once (merging two subtrees of equal height), then folds them.
    """
    stack = []  # (hash, height) of perfect subtrees, left to right
    for h in leaf_hashes:
        height = 0
        while stack and stack[-1][1] == height:
            left, _ = stack.pop()
            h = node_hash(left, h)
            height += 1
        stack.append((h, height))
    if not stack:
        return EMPTY_ROOT
    root = stack.pop()[0]
    while stack:
        root = node_hash(stack.pop()[0], root)
    return root


def _check_proof_hashes(proof, what):
    """Every element of an inclusion_path / consistency_path is one node hash (RFC 9162 §4.2)."""
    for i, h in enumerate(proof):
        if not isinstance(h, (bytes, bytearray)) or len(h) != HASH_SIZE:
            raise VerifyError(f"{what}: hash {i} is not {HASH_SIZE} bytes")


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 §2.1.3.2 "Verifying an Inclusion Proof", step by step as written.

    index is leaf_index, size is tree_size, leaf is the hash of the entry
    (RFC's "hash"), proof is the inclusion_path (leaf side first) and root is
    the root_hash of the checkpoint. Raises VerifyError, else returns None.
    """
    what = f"inclusion proof for entry {index}"
    _check_proof_hashes(proof, what)
    # 1. If leaf_index is greater than or equal to tree_size, fail.
    if index < 0 or index >= size:
        raise VerifyError(f"{what}: index is not below the tree size {size}")
    # 2. Set fn to leaf_index and sn to tree_size - 1.
    fn, sn = index, size - 1
    # 3. Set r to hash.
    r = leaf
    # 4. For each value p in the inclusion_path array:
    for p in proof:
        # a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0:
            raise VerifyError(f"{what}: too many hashes for a tree of size {size}")
        # b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn & 1 or fn == sn:
            # i. Set r to HASH(0x01 || p || r).
            r = node_hash(p, r)
            # ii. If LSB(fn) is not set, then right-shift both fn and sn
            #     equally until either LSB(fn) is set or fn is 0.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            # Otherwise: i. Set r to HASH(0x01 || r || p).
            r = node_hash(r, p)
        # c. Finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # 5. Compare sn to 0. Compare r against the root_hash. If sn is equal to 0
    #    and r and the root_hash are equal, the log has proven the inclusion.
    if sn != 0:
        raise VerifyError(f"{what}: too few hashes for a tree of size {size}")
    if r != root:
        raise VerifyError(f"{what} does not lead to the checkpoint root")


def verify_consistency(first, second, first_hash, second_hash, proof):
    """RFC 9162 §2.1.4.2 "Verifying Consistency between Two Tree Heads".

    first/first_hash is the older tree head, second/second_hash the newer one,
    proof the consistency_path. The algorithm is specified for
    0 < first < second and is followed step by step as written; the two edge
    cases around it are:
    * first == second: nothing to prove (RFC 9162 §2.1.4.1, SUBPROOF(m, D_m,
      true) = {}): the proof must be empty and the two root hashes equal;
    * first == 0: the empty tree, MTH({}) = HASH() (§2.1.1), is a prefix of
      every tree: the proof must be empty and first_hash must be HASH().
    A first larger than second is rejected. Raises VerifyError.
    """
    what = f"consistency proof from {first} to {second}"
    _check_proof_hashes(proof, what)
    if first < 0 or first > second:
        raise VerifyError(f"{what}: the old tree size is larger than the new one")
    if first == second:
        if proof:
            raise VerifyError(f"{what}: must be empty for two trees of the same size")
        if first_hash != second_hash:
            raise VerifyError(f"{what}: same tree size but different root hashes")
        return
    if first == 0:
        if proof:
            raise VerifyError(f"{what}: must be empty from the empty tree")
        if first_hash != EMPTY_ROOT:
            raise VerifyError(f"{what}: the root hash of the empty tree is not HASH()")
        return

    path = list(proof)
    # 1. If consistency_path is an empty array, stop and fail the proof verification.
    if not path:
        raise VerifyError(f"{what}: empty")
    # 2. If first is an exact power of 2, then prepend first_hash to the consistency_path array.
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    # 3. Set fn to first - 1 and sn to second - 1.
    fn, sn = first - 1, second - 1
    # 4. If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. Set both fr and sr to the first value in the consistency_path array.
    fr = sr = path[0]
    # 6. For each subsequent value c in the consistency_path array:
    for c in path[1:]:
        # a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0:
            raise VerifyError(f"{what}: too many hashes")
        # b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn & 1 or fn == sn:
            # i. Set fr to HASH(0x01 || c || fr).
            fr = node_hash(c, fr)
            # ii. Set sr to HASH(0x01 || c || sr).
            sr = node_hash(c, sr)
            # iii. If LSB(fn) is not set, then right-shift both fn and sn
            #      equally until either LSB(fn) is set or fn is 0.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            # Otherwise: i. Set sr to HASH(0x01 || sr || c).
            sr = node_hash(sr, c)
        # c. Finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # 7. Verify that fr equals first_hash, that sr equals second_hash, and that sn is 0.
    if sn != 0:
        raise VerifyError(f"{what}: too few hashes")
    if fr != first_hash:
        raise VerifyError(f"{what} does not lead to the old checkpoint root")
    if sr != second_hash:
        raise VerifyError(f"{what} does not lead to the new checkpoint root")


# ---------------------------------------------------------------------------
# C2SP signed-note, tlog-cosignature and tlog-checkpoint
# ---------------------------------------------------------------------------

SIG_ED25519 = 0x01  # signed-note "Signature types": Ed25519 note signature
SIG_COSIGNATURE_V1 = 0x04  # signed-note / tlog-cosignature: timestamped Ed25519 cosignature
SIGNATURE_TYPES = {SIG_ED25519: "Ed25519", SIG_COSIGNATURE_V1: "cosignature/v1"}
MAX_FUTURE_SECONDS = 600  # a 0x04 timestamp may be at most 10 minutes ahead of our clock
MAX_NOTE_BYTES = 1 << 20  # signed-note: "Verifiers SHOULD apply a maximum limit"
MAX_SIGNATURES = 100  # ... "but MUST accept at least up to 16 signatures"
EM_DASH = "\u2014"


def b64decode_strict(text):
    """Standard padded base64 (RFC 4648 §4, as the C2SP specs use) to bytes, or None.

    Only the canonical encoding is accepted (re-encoding must give the input back).
    """
    if not isinstance(text, str):
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if base64.b64encode(raw).decode("ascii") != text:
        return None
    return raw


def valid_key_name(name):
    """signed-note §Format: key names are non-empty, with no Unicode spaces and no '+'."""
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def key_id(name, sig_type, public_key):
    """signed-note: key ID = SHA-256(key name || 0x0A || signature type || public key)[:4].

    For type 0x01 this is the signed-note Ed25519 rule, for type 0x04 the
    tlog-cosignature rule SHA-256(<name> || "\\n" || 0x04 || 32-byte key)[:4].
    """
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key).digest()[:4]


def make_vkey(name, sig_type, public_key):
    """signed-note "Verifier keys": <name>+<hex key ID>+<base64(type byte || public key)>."""
    if not valid_key_name(name):
        raise UsageError(f"invalid key name {name!r}")
    if sig_type not in SIGNATURE_TYPES:
        raise UsageError(f"unsupported signature type {sig_type}")
    if len(public_key) != 32:
        raise UsageError("an Ed25519 public key is 32 bytes")
    material = base64.b64encode(bytes([sig_type]) + public_key).decode("ascii")
    return f"{name}+{key_id(name, sig_type, public_key).hex()}+{material}"


def parse_vkey(vkey):
    """Parse a signed-note verifier key, rejecting one whose key ID does not match.

    Format <name>+<8 hex digits of key ID>+<base64(type || public key)>; the
    base64 may itself contain '+', so only the first two split. Types 0x01
    (Ed25519 note signature) and 0x04 (tlog-cosignature v1 Ed25519) with a
    32-byte key are supported. Returns a dict; raises UsageError.
    """
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise UsageError(f"vkey {vkey!r} is not <name>+<key ID>+<key>")
    name, hex_id, material = parts
    if not valid_key_name(name):
        raise UsageError(f"vkey {vkey!r}: invalid key name")
    if not re.fullmatch(r"[0-9a-fA-F]{8}", hex_id):
        raise UsageError(f"vkey {vkey!r}: key ID is not 8 hex digits")
    raw = b64decode_strict(material)
    if not raw:
        raise UsageError(f"vkey {vkey!r}: key is not base64")
    sig_type, public_key = raw[0], raw[1:]
    if sig_type not in SIGNATURE_TYPES:
        raise UsageError(f"vkey {vkey!r}: unsupported signature type 0x{sig_type:02x}")
    if len(public_key) != 32:
        raise UsageError(f"vkey {vkey!r}: an Ed25519 public key is 32 bytes")
    expected = key_id(name, sig_type, public_key)
    if bytes.fromhex(hex_id) != expected:
        raise UsageError(f"vkey {vkey!r}: key ID {hex_id} does not match its name and key ({expected.hex()})")
    return {"name": name, "type": sig_type, "key_id": expected, "public_key": public_key, "vkey": vkey}


def describe_key(key):
    """A short label for messages: name+keyID (type)."""
    return f"{key['name']}+{key['key_id'].hex()} ({SIGNATURE_TYPES[key['type']]})"


def split_note(note):
    """Split a signed note into (text, [(key name, key ID, signature bytes), ...]).

    signed-note §Format: a text ending in newline, a blank line, then one or
    more lines "— <key name> <base64(4-byte key ID || signature)>\\n"; the text
    includes its final newline but not the blank line, and is separated from the
    signatures by the last empty line. Notes must be UTF-8 with no control
    characters other than newline. Raises VerifyError.
    """
    if len(note.encode("utf-8")) > MAX_NOTE_BYTES:
        raise VerifyError("signed note is too large")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in note):
        raise VerifyError("signed note contains a control character")
    if not note.endswith("\n"):
        raise VerifyError("signed note does not end with a newline")
    blank = note.rfind("\n\n")
    if blank < 0:
        raise VerifyError("signed note has no blank line before its signatures")
    text, sig_block = note[: blank + 1], note[blank + 2 :]
    if not sig_block:
        raise VerifyError("signed note has no signature lines")
    lines = sig_block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise VerifyError("signed note has too many signatures")
    signatures = []
    for line in lines:
        if not line.startswith(EM_DASH + " "):
            raise VerifyError(f"malformed signature line {line!r}")
        fields = line[2:].split(" ")
        if len(fields) != 2 or not valid_key_name(fields[0]):
            raise VerifyError(f"malformed signature line {line!r}")
        raw = b64decode_strict(fields[1])
        if raw is None or len(raw) < 5:
            raise VerifyError(f"malformed signature in line {line!r}")
        signatures.append((fields[0], raw[:4], raw[4:]))
    return text, signatures


def ed25519_ok(public_key, signature, message):
    """RFC 8032 Ed25519 verification."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        return True
    except InvalidSignature:
        return False


def cosigned_message(text, timestamp):
    """tlog-cosignature §"Ed25519 signed message": "cosignature/v1\\n", "time <timestamp>\\n", then the note text."""
    return f"cosignature/v1\ntime {timestamp}\n".encode("ascii") + text.encode("utf-8")


def check_signature(key, text, signature, now):
    """Verify one signature by a trusted key over the note text; return its timestamp (0x04) or None.

    * 0x01, signed-note §"Ed25519 signatures": a 64-byte Ed25519 signature over the note text.
    * 0x04, tlog-cosignature: timestamped_signature = u64 big-endian POSIX timestamp
      (at most 2^63 - 1) || 64-byte Ed25519 signature over cosigned_message(); we
      also reject a timestamp more than MAX_FUTURE_SECONDS ahead of now.
    """
    label = describe_key(key)
    if key["type"] == SIG_ED25519:
        if len(signature) != 64 or not ed25519_ok(key["public_key"], signature, text.encode("utf-8")):
            raise VerifyError(f"invalid signature by {label}")
        return None
    if len(signature) != 8 + 64:
        raise VerifyError(f"invalid cosignature by {label}: not a timestamped Ed25519 signature")
    timestamp = int.from_bytes(signature[:8], "big")
    if timestamp > 2**63 - 1:
        raise VerifyError(f"invalid cosignature by {label}: timestamp exceeds 2^63 - 1")
    if not ed25519_ok(key["public_key"], signature[8:], cosigned_message(text, timestamp)):
        raise VerifyError(f"invalid cosignature by {label}")
    if timestamp > now + MAX_FUTURE_SECONDS:
        raise VerifyError(f"cosignature by {label} has timestamp {timestamp}, {int(timestamp - now)} s in the future")
    return timestamp


def verify_note(note, keys, now):
    """Open a signed note with the trusted keys: every key must have signed it.

    signed-note §Signatures: signatures from unknown keys (name or key ID not
    both matching a trusted key) are ignored; every signature from a known key
    must verify. Stricter than the spec's "at least one", each trusted key must
    have a signature here. Returns (text, {vkey: timestamp or None}).
    """
    text, signatures = split_note(note)
    timestamps = {}
    for key in keys:
        mine = [sig for name, kid, sig in signatures if name == key["name"] and kid == key["key_id"]]
        if not mine:
            raise VerifyError(f"no signature by {describe_key(key)}")
        for sig in mine:
            timestamps[key["vkey"]] = check_signature(key, text, sig, now)
    return text, timestamps


def parse_checkpoint_text(text):
    """tlog-checkpoint §"Note text": origin, tree size, root hash, then optional extension lines.

    At least three non-empty newline-terminated lines; the size is ASCII decimal
    without leading zeroes (a uint64, RFC 9162 tree_size); the root hash is the
    standard base64 of 32 bytes. Returns (origin, size, root). Raises VerifyError.
    """
    lines = text.split("\n")
    if lines[-1] != "":
        raise VerifyError("checkpoint text does not end with a newline")
    lines = lines[:-1]
    if len(lines) < 3 or any(line == "" for line in lines):
        raise VerifyError("checkpoint text is not three or more non-empty lines")
    origin, size_line, root_line = lines[:3]
    if not re.fullmatch(r"0|[1-9][0-9]*", size_line) or int(size_line) >= 2**64:
        raise VerifyError(f"checkpoint tree size {size_line!r} is not a decimal number without leading zeroes")
    root = b64decode_strict(root_line)
    if root is None or len(root) != HASH_SIZE:
        raise VerifyError(f"checkpoint root hash {root_line!r} is not the base64 of 32 bytes")
    return origin, int(size_line), root


def verify_checkpoint(note, keys, now):
    """A checkpoint (tlog-checkpoint) signed by every trusted key (signed-note, tlog-cosignature).

    The origin must be the name of at least one trusted key (tlog-checkpoint:
    "The log's key name in its signature line SHOULD match the origin line";
    the dinhdanh log signs under its origin). Returns a dict with origin, size,
    root, note, and timestamp: the time of the cosignature (0x04) by a key
    named as the origin, or None if no such key was given.
    """
    if not isinstance(note, str):
        raise VerifyError("checkpoint is not text")
    text, timestamps = verify_note(note, keys, now)
    origin, size, root = parse_checkpoint_text(text)
    if not any(key["name"] == origin for key in keys):
        raise VerifyError(f"checkpoint origin {origin!r} is not the name of any trusted key")
    timestamp = next(
        (timestamps[k["vkey"]] for k in keys if k["type"] == SIG_COSIGNATURE_V1 and k["name"] == origin), None
    )
    return {"origin": origin, "size": size, "root": root, "note": note, "timestamp": timestamp}


# ---------------------------------------------------------------------------
# The log's HTTP interface
# ---------------------------------------------------------------------------

HTTP_TIMEOUT = 30
PAGE_SIZE = 1000  # entries endpoint: count <= 1000


def http_get(url, params=None):
    """GET url; connection failures and non-2xx answers are I/O errors (exit 2)."""
    try:
        resp = requests.get(url, params=params, timeout=HTTP_TIMEOUT)
    except requests.RequestException as e:
        raise UsageError(f"GET {url}: {e}") from e
    if not 200 <= resp.status_code < 300:
        try:
            body = resp.json()
            detail = f"{body.get('error')}: {body.get('message')}"
        except (ValueError, AttributeError):
            detail = resp.text[:200]
        raise UsageError(f"GET {resp.url}: HTTP {resp.status_code} {detail}")
    return resp


def fetch_text(url):
    """A text/plain resource as str (signed notes are UTF-8)."""
    try:
        return http_get(url).content.decode("utf-8")
    except UnicodeDecodeError as e:
        raise VerifyError(f"{url} is not UTF-8") from e


def fetch_json(url, params):
    """A JSON object; anything else from the log is a verification failure."""
    resp = http_get(url, params)
    try:
        data = resp.json()
    except ValueError as e:
        raise VerifyError(f"{resp.url} did not return JSON") from e
    if not isinstance(data, dict):
        raise VerifyError(f"{resp.url} did not return a JSON object")
    return data


def expect_int(data, field, expected, where):
    """A JSON field that must echo the integer we asked for."""
    value = data.get(field)
    if type(value) is not int or value != expected:
        raise VerifyError(f"{where}: {field} is {value!r}, expected {expected}")


def decode_hashes(items, what):
    """A JSON list of base64 32-byte hashes (a proof) to bytes."""
    if not isinstance(items, list):
        raise VerifyError(f"{what} is not a list")
    hashes = []
    for i, item in enumerate(items):
        raw = b64decode_strict(item)
        if raw is None or len(raw) != HASH_SIZE:
            raise VerifyError(f"{what}: hash {i} is not the base64 of 32 bytes")
        hashes.append(raw)
    return hashes


def fetch_leaf_hashes(base, size):
    """Fetch entries 0..size-1 in pages and return their leaf hashes, concatenated."""
    hashes = bytearray()
    start = 0
    while start < size:
        count = min(PAGE_SIZE, size - start)
        where = f"entries page at {start}"
        data = fetch_json(f"{base}/api/v1/ledger/entries", {"start": start, "count": count})
        expect_int(data, "start", start, where)
        entries = data.get("entries")
        if not isinstance(entries, list):
            raise VerifyError(f"{where}: entries is not a list")
        if not entries:
            raise VerifyError(f"the log serves no entry {start} although the checkpoint has {size}")
        if len(entries) > count:
            raise VerifyError(f"{where}: {len(entries)} entries served, {count} asked for")
        for i, item in enumerate(entries):
            entry = b64decode_strict(item)
            if entry is None:
                raise VerifyError(f"entry {start + i} is not base64")
            hashes += leaf_hash(entry)
        start += len(entries)
    return hashes


def nth_hash(hashes, i):
    """The i-th 32-byte hash of a concatenation."""
    return bytes(hashes[i * HASH_SIZE : (i + 1) * HASH_SIZE])


def check_inclusion_from_log(base, checkpoint, index, leaf):
    """Fetch the log's inclusion proof for entry index and verify it with our own leaf hash."""
    size = checkpoint["size"]
    where = f"inclusion proof for entry {index}"
    data = fetch_json(f"{base}/api/v1/ledger/proofs/inclusion", {"index": index, "tree_size": size})
    expect_int(data, "index", index, where)
    expect_int(data, "tree_size", size, where)
    proof = decode_hashes(data.get("proof"), where)
    verify_inclusion(index, size, leaf, proof, checkpoint["root"])
    if b64decode_strict(data.get("leaf_hash")) != leaf:
        raise VerifyError(f"{where}: the log's leaf_hash is not the hash of the entry it serves")


def sample_indices(size, wanted):
    """Up to `wanted` distinct indices below size, always the first and the last (if wanted > 0)."""
    if size == 0 or wanted <= 0:
        return []
    chosen = {0, size - 1}
    extra = max(0, min(wanted, size) - len(chosen))
    chosen.update(secrets.SystemRandom().sample(range(1, size - 1), extra))
    return sorted(chosen)


def explain_root_mismatch(base, checkpoint, leaf_hashes):
    """Name the first entry whose inclusion proof from the log does not match the entry bytes."""
    for index in range(checkpoint["size"]):
        try:
            check_inclusion_from_log(base, checkpoint, index, nth_hash(leaf_hashes, index))
        except UsageError:
            break  # the log stopped answering: report the mismatch itself
    raise VerifyError(
        f"the root recomputed from the {checkpoint['size']} entries differs from the checkpoint root"
    )


def read_state(path, keys):
    """The checkpoint previously verified and stored in path, or None if there is none yet."""
    try:
        with open(path, encoding="utf-8") as f:
            note = f.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read state file {path}: {e}") from e
    if not note.strip():
        return None
    try:
        return verify_checkpoint(note, keys, time.time())
    except VerifyError as e:
        raise UsageError(f"state file {path} does not hold a checkpoint signed by the given keys: {e}") from e


def write_state(path, note):
    """Replace the state file atomically with the new checkpoint (the signed note as served)."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".checkpoint-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(note)
        os.replace(tmp, path)
    except OSError as e:
        raise UsageError(f"cannot write state file {path}: {e}") from e


def check_consistency_with_log(base, old, new):
    """The new checkpoint extends the old one: RFC 9162 §2.1.4 with a proof from the log."""
    if old["origin"] != new["origin"]:
        raise UsageError(f"state file is for log {old['origin']!r}, not {new['origin']!r}")
    m, n = old["size"], new["size"]
    if n < m:
        raise VerifyError(f"checkpoint tree size {n} is smaller than the previously verified size {m}")
    proof = []
    if 0 < m < n:
        where = f"consistency proof from {m} to {n}"
        data = fetch_json(f"{base}/api/v1/ledger/proofs/consistency", {"from": m, "to": n})
        expect_int(data, "from", m, where)
        expect_int(data, "to", n, where)
        proof = decode_hashes(data.get("proof"), where)
    if m == n and old["root"] != new["root"]:
        raise VerifyError(f"checkpoint has the previously verified tree size {m} but a different root hash")
    verify_consistency(m, n, old["root"], new["root"], proof)


# ---------------------------------------------------------------------------
# Subcommands
# ---------------------------------------------------------------------------


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


def emit(obj):
    print(json.dumps(obj, separators=(",", ":")))


def cmd_log(args):
    """Verify the whole log against its signed checkpoint (see the module docstring)."""
    keys = [parse_vkey(k) for k in args.key]
    base = args.url.rstrip("/")
    previous = read_state(args.state, keys) if args.state else None
    note = fetch_text(f"{base}/ledger/checkpoint")
    checkpoint = verify_checkpoint(note, keys, time.time())

    # First the append-only check, so that a rollback or a fork shows before the download.
    consistent = None
    if args.state:
        consistent = previous is not None
        if previous is not None:
            check_consistency_with_log(base, previous, checkpoint)

    leaf_hashes = fetch_leaf_hashes(base, checkpoint["size"])
    root = root_from_leaf_hashes(nth_hash(leaf_hashes, i) for i in range(checkpoint["size"]))
    if root != checkpoint["root"]:
        explain_root_mismatch(base, checkpoint, leaf_hashes)

    sampled = sample_indices(checkpoint["size"], args.sample)
    for index in sampled:
        check_inclusion_from_log(base, checkpoint, index, nth_hash(leaf_hashes, index))

    if args.state:
        write_state(args.state, note)

    emit({
        "origin": checkpoint["origin"],
        "tree_size": checkpoint["size"],
        "root_hash": b64(checkpoint["root"]),
        "timestamp": checkpoint["timestamp"],
        "entries_checked": checkpoint["size"],
        "inclusion_proofs_checked": len(sampled),
        "consistent_with_previous": consistent,
    })
    return 0


def read_request(fields):
    """The JSON object on stdin, with the given fields and their JSON types."""
    try:
        data = json.load(sys.stdin)
    except (ValueError, UnicodeDecodeError) as e:
        raise UsageError(f"stdin is not JSON: {e}") from e
    if not isinstance(data, dict):
        raise UsageError("stdin is not a JSON object")
    for field, kind in fields.items():
        value = data.get(field)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise UsageError(f"stdin: {field} is missing or not a {kind.__name__}")
    return data


def cmd_inclusion(args):
    """Verify a checkpoint and the inclusion of one entry in its tree."""
    keys = [parse_vkey(k) for k in args.key]
    req = read_request({"checkpoint": str, "entry": str, "index": int, "proof": list})
    checkpoint = verify_checkpoint(req["checkpoint"], keys, time.time())
    entry = b64decode_strict(req["entry"])
    if entry is None:
        raise VerifyError("entry is not base64")
    proof = decode_hashes(req["proof"], f"inclusion proof for entry {req['index']}")
    verify_inclusion(req["index"], checkpoint["size"], leaf_hash(entry), proof, checkpoint["root"])
    emit({"ok": True, "tree_size": checkpoint["size"]})
    return 0


def cmd_consistency(args):
    """Verify two checkpoints and the consistency proof between them."""
    keys = [parse_vkey(k) for k in args.key]
    req = read_request({"old": str, "new": str, "proof": list})
    now = time.time()
    try:
        old = verify_checkpoint(req["old"], keys, now)
    except VerifyError as e:
        raise VerifyError(f"old checkpoint: {e}") from e
    try:
        new = verify_checkpoint(req["new"], keys, now)
    except VerifyError as e:
        raise VerifyError(f"new checkpoint: {e}") from e
    if old["origin"] != new["origin"]:
        raise VerifyError(f"the checkpoints are of different logs: {old['origin']!r} and {new['origin']!r}")
    proof = decode_hashes(req["proof"], f"consistency proof from {old['size']} to {new['size']}")
    verify_consistency(old["size"], new["size"], old["root"], new["root"], proof)
    emit({"ok": True, "from": old["size"], "to": new["size"]})
    return 0


def cmd_vkey(args):
    """Print the vkey of a name, a signature type and an Ed25519 public key."""
    public_key = b64decode_strict(args.public_key_b64)
    if public_key is None:
        raise UsageError("--public-key-b64 is not base64")
    print(make_vkey(args.name, args.type, public_key))
    return 0


def build_parser():
    parser = argparse.ArgumentParser(description="Independent verifier for the dinhdanh transparency log.")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_keys(p):
        p.add_argument("--key", action="append", required=True, metavar="VKEY",
                       help="trusted signed-note verifier key (type 0x01 or 0x04); repeatable")
        return p

    p = with_keys(sub.add_parser("log", help="verify the whole log served at --url"))
    p.add_argument("--url", required=True, help="base URL of the server")
    p.add_argument("--state", metavar="FILE", help="checkpoint verified last time; updated on success")
    p.add_argument("--sample", type=int, default=20, metavar="N",
                   help="inclusion proofs to check (default 20, always the first and last entry)")
    p.set_defaults(func=cmd_log)

    p = with_keys(sub.add_parser("inclusion", help='stdin: {"checkpoint", "entry", "index", "proof"}'))
    p.set_defaults(func=cmd_inclusion)

    p = with_keys(sub.add_parser("consistency", help='stdin: {"old", "new", "proof"}'))
    p.set_defaults(func=cmd_consistency)

    p = sub.add_parser("vkey", help="print a verifier key")
    p.add_argument("--name", required=True)
    p.add_argument("--type", type=int, choices=sorted(SIGNATURE_TYPES), required=True)
    p.add_argument("--public-key-b64", required=True)
    p.set_defaults(func=cmd_vkey)
    return parser


def one_line(message):
    return " ".join(str(message).split("\n"))


def main(argv=None):
    args = build_parser().parse_args(argv)
    if getattr(args, "sample", 0) < 0:
        print("error: --sample must not be negative", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except VerifyError as e:
        print(f"FAIL: {one_line(e)}", file=sys.stderr)
        return 1
    except UsageError as e:
        print(f"error: {one_line(e)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
