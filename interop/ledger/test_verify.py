"""Self-tests of verify.py.

Run from the repository root:
    .venv/bin/python -m unittest discover -s interop/ledger

The reference trees and proofs here are brute force, written straight from the
recursive definitions of RFC 9162 (MTH §2.1.1, PATH §2.1.3.1, PROOF and
SUBPROOF §2.1.4.1), and the test signatures are made from the C2SP texts, so
that verify.py is checked against a second reading of the specifications, not
against itself.
"""

import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify  # noqa: E402

VERIFY_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "verify.py")
MAX_SIZE = 70
ENTRIES = [json.dumps({"seq": i, "event": "test"}).encode() for i in range(1300)]


# ---------------------------------------------------------------------------
# RFC 9162, brute force from the recursive definitions
# ---------------------------------------------------------------------------


def sha256(data):
    return hashlib.sha256(data).digest()


def split_point(n):
    """RFC 9162 §2.1.1: k is the largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@lru_cache(maxsize=None)
def mth(entries):
    """RFC 9162 §2.1.1, MTH(D_n) for a tuple of entries."""
    n = len(entries)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return sha256(b"\x00" + entries[0])
    k = split_point(n)
    return sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:]))


def path(m, entries):
    """RFC 9162 §2.1.3.1, PATH(m, D_n)."""
    n = len(entries)
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return path(m, entries[:k]) + [mth(entries[k:])]
    return path(m - k, entries[k:]) + [mth(entries[:k])]


def subproof(m, entries, b):
    """RFC 9162 §2.1.4.1, SUBPROOF(m, D_n, b)."""
    n = len(entries)
    if m == n:
        return [] if b else [mth(entries)]
    k = split_point(n)
    if m <= k:
        return subproof(m, entries[:k], b) + [mth(entries[k:])]
    return subproof(m - k, entries[k:], False) + [mth(entries[:k])]


def consistency_proof(m, entries):
    """RFC 9162 §2.1.4.1, PROOF(m, D_n) = SUBPROOF(m, D_n, true), for 0 < m < n."""
    return subproof(m, entries, True)


def tree(n):
    return tuple(ENTRIES[:n])


def root(n):
    return mth(tree(n))


def flip_bit(h, bit):
    b = bytearray(h)
    b[bit // 8 % len(b)] ^= 1 << (bit % 8)
    return bytes(b)


# ---------------------------------------------------------------------------
# C2SP signed notes, made here from the spec texts
# ---------------------------------------------------------------------------

ORIGIN = "dinhdanh.test/ledger"


def b64(raw):
    return base64.b64encode(raw).decode()


def raw_public_key(private_key):
    return private_key.public_key().public_bytes_raw()


def spec_key_id(name, sig_type, public_key):
    """signed-note / tlog-cosignature: SHA-256(name || 0x0A || type || public key)[:4]."""
    return sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key)[:4]


def spec_vkey(name, sig_type, private_key):
    pub = raw_public_key(private_key)
    return f"{name}+{spec_key_id(name, sig_type, pub).hex()}+{b64(bytes([sig_type]) + pub)}"


def signature_line(name, sig_type, private_key, text, timestamp=None, key_id=None):
    """One "— name base64(key ID || signature)" line over the note text."""
    if sig_type == 1:
        sig = private_key.sign(text.encode())
    else:
        message = f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()
        sig = timestamp.to_bytes(8, "big") + private_key.sign(message)
    if key_id is None:
        key_id = spec_key_id(name, sig_type, raw_public_key(private_key))
    return f"\u2014 {name} {b64(key_id + sig)}\n"


def checkpoint_text(size, root_hash, origin=ORIGIN, extra=""):
    return f"{origin}\n{size}\n{b64(root_hash)}\n{extra}"


def sign(text, private_key, timestamp=None, name=ORIGIN, types=(1, 4)):
    if timestamp is None:
        timestamp = int(time.time())
    return text + "\n" + "".join(signature_line(name, t, private_key, text, timestamp) for t in types)


LOG_KEY = Ed25519PrivateKey.generate()
OTHER_KEY = Ed25519PrivateKey.generate()
VKEYS = [spec_vkey(ORIGIN, 1, LOG_KEY), spec_vkey(ORIGIN, 4, LOG_KEY)]
KEYS = [verify.parse_vkey(v) for v in VKEYS]


# ---------------------------------------------------------------------------
# Merkle tree tests
# ---------------------------------------------------------------------------


class MerkleTreeHashTest(unittest.TestCase):
    def test_root_matches_recursive_definition(self):
        for n in range(0, 300):
            leaves = [verify.leaf_hash(e) for e in ENTRIES[:n]]
            self.assertEqual(verify.root_from_leaf_hashes(leaves), root(n), n)

    def test_empty_tree_is_hash_of_empty_string(self):
        self.assertEqual(verify.EMPTY_ROOT.hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


class InclusionProofTest(unittest.TestCase):
    def assertRejected(self, index, size, leaf, proof, root_hash, why, reason=""):
        with self.assertRaisesRegex(verify.VerifyError, reason, msg=why):
            verify.verify_inclusion(index, size, leaf, proof, root_hash)

    def test_all_trees_up_to_70(self):
        for n in range(1, MAX_SIZE + 1):
            entries = tree(n)
            for i in range(n):
                leaf = verify.leaf_hash(entries[i])
                proof = path(i, entries)
                where = f"index {i} size {n}"
                verify.verify_inclusion(i, n, leaf, proof, root(n))

                for j in range(len(proof)):
                    bad = list(proof)
                    bad[j] = flip_bit(bad[j], 37 * j + i)
                    self.assertRejected(i, n, leaf, bad, root(n), f"{where}: flipped hash {j}")
                    self.assertRejected(i, n, leaf, proof[:j] + proof[j + 1 :], root(n), f"{where}: dropped {j}",
                                        "too few hashes")  # RFC 9162 §2.1.3.2 step 5
                for j in range(len(proof) + 1):
                    extra = proof[:j] + [sha256(b"extra")] + proof[j:]
                    self.assertRejected(i, n, leaf, extra, root(n), f"{where}: extra hash at {j}",
                                        "too many hashes")  # step 4a
                self.assertRejected(i, n, flip_bit(leaf, i), proof, root(n), f"{where}: flipped leaf")
                self.assertRejected(i, n, leaf, proof, flip_bit(root(n), i), f"{where}: flipped root")

                for j in range(n + 2):
                    if j != i:
                        self.assertRejected(j, n, leaf, proof, root(n), f"{where}: wrong index {j}")
                for m in (n - 1, n + 1):
                    if m >= 1:
                        self.assertRejected(i, m, leaf, proof, root(m), f"{where}: wrong size {m}")

    def test_index_not_below_size(self):
        leaf = verify.leaf_hash(ENTRIES[0])
        self.assertRejected(0, 0, leaf, [], verify.EMPTY_ROOT, "empty tree")
        self.assertRejected(1, 1, leaf, [], root(1), "index == size")
        self.assertRejected(-1, 1, leaf, [], root(1), "negative index")

    def test_hashes_must_be_32_bytes(self):
        entries = tree(5)
        proof = path(2, entries)
        proof[1] = proof[1][:31]
        self.assertRejected(2, 5, verify.leaf_hash(entries[2]), proof, root(5), "short hash")


class ConsistencyProofTest(unittest.TestCase):
    def assertRejected(self, m, n, first, second, proof, why, reason=""):
        with self.assertRaisesRegex(verify.VerifyError, reason, msg=why):
            verify.verify_consistency(m, n, first, second, proof)

    def test_all_pairs_up_to_70(self):
        for n in range(2, MAX_SIZE + 1):
            for m in range(1, n):
                proof = consistency_proof(m, tree(n))
                where = f"{m} -> {n}"
                verify.verify_consistency(m, n, root(m), root(n), proof)

                for j in range(len(proof)):
                    bad = list(proof)
                    bad[j] = flip_bit(bad[j], 29 * j + m)
                    self.assertRejected(m, n, root(m), root(n), bad, f"{where}: flipped hash {j}")
                    dropped = proof[:j] + proof[j + 1 :]
                    # RFC 9162 §2.1.4.2 step 1 (empty) or step 7 (sn not 0)
                    self.assertRejected(m, n, root(m), root(n), dropped, f"{where}: dropped {j}", "empty|too few hashes")
                for j in range(len(proof) + 1):
                    extra = proof[:j] + [sha256(b"extra")] + proof[j:]
                    self.assertRejected(m, n, root(m), root(n), extra, f"{where}: extra hash at {j}",
                                        "too many hashes")  # step 6a
                self.assertRejected(m, n, flip_bit(root(m), n), root(n), proof, f"{where}: wrong old root")
                self.assertRejected(m, n, root(m), flip_bit(root(n), m), proof, f"{where}: wrong new root")

                for m2 in (m - 1, m + 1):
                    self.assertRejected(m2, n, root(m2), root(n), proof, f"{where}: wrong old size {m2}")
                for n2 in (n - 1, n + 1):
                    if n2 >= m:
                        self.assertRejected(m, n2, root(m), root(n2), proof, f"{where}: wrong new size {n2}")

    def test_same_size(self):
        for n in (1, 2, 7, 64):
            verify.verify_consistency(n, n, root(n), root(n), [])
            self.assertRejected(n, n, root(n), root(n), [root(n)], "non-empty proof")
            self.assertRejected(n, n, root(n), flip_bit(root(n), 3), [], "different roots")

    def test_from_empty_tree(self):
        verify.verify_consistency(0, 5, verify.EMPTY_ROOT, root(5), [])
        verify.verify_consistency(0, 0, verify.EMPTY_ROOT, verify.EMPTY_ROOT, [])
        self.assertRejected(0, 5, verify.EMPTY_ROOT, root(5), [root(5)], "non-empty proof")
        self.assertRejected(0, 5, root(1), root(5), [], "old root is not the empty tree's")

    def test_shrinking_tree(self):
        self.assertRejected(5, 3, root(5), root(3), consistency_proof(3, tree(5)), "from > to")


# ---------------------------------------------------------------------------
# Signed note, checkpoint and cosignature tests
# ---------------------------------------------------------------------------


class VerifierKeyTest(unittest.TestCase):
    def test_make_vkey_agrees_with_spec(self):
        pub = raw_public_key(LOG_KEY)
        for t in (1, 4):
            self.assertEqual(verify.make_vkey(ORIGIN, t, pub), spec_vkey(ORIGIN, t, LOG_KEY))
        self.assertNotEqual(KEYS[0]["key_id"], KEYS[1]["key_id"])

    def test_wrong_key_id_rejected(self):
        name, hex_id, material = VKEYS[0].split("+", 2)
        wrong = f"{int(hex_id, 16) ^ 1:08x}"
        with self.assertRaises(verify.UsageError):
            verify.parse_vkey(f"{name}+{wrong}+{material}")
        with self.assertRaises(verify.UsageError):  # a 0x01 key's ID under type 0x04
            verify.parse_vkey(f"{name}+{hex_id}+{VKEYS[1].split('+', 2)[2]}")
        with self.assertRaises(verify.UsageError):  # same key, other name
            verify.parse_vkey(f"other.test/log+{hex_id}+{material}")

    def test_malformed_vkeys_rejected(self):
        pub = raw_public_key(LOG_KEY)
        type1, type2 = b64(b"\x01" + pub), b64(b"\x02" + pub)
        for bad in ("", "name", "name+12345678", "na me+" + spec_key_id("na me", 1, pub).hex() + "+" + type1,
                    verify.make_vkey("n", 1, pub)[:-4], "n+" + spec_key_id("n", 2, pub).hex() + "+" + type2):
            with self.assertRaises(verify.UsageError, msg=bad):
                verify.parse_vkey(bad)

    def test_published_vkeys(self):
        # golang.org/x/mod/sumdb/note package documentation and tests (type 0x01).
        self.assertEqual(verify.parse_vkey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")["type"], 1)
        # transparency-dev/formats note/note_cosigv1_test.go: a native type 0x04 key, and a
        # type 0x01 key whose base64 contains '+'.
        self.assertEqual(verify.parse_vkey("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2")["type"], 4)
        self.assertEqual(verify.parse_vkey("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")["type"], 1)


class PublishedExamplesTest(unittest.TestCase):
    def test_go_sumdb_note_example(self):
        """The signed note of golang.org/x/mod/sumdb/note's documentation, which signed-note formalises."""
        vkey = verify.parse_vkey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
        note = text + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        self.assertEqual(verify.verify_note(note, [vkey], time.time()), (text, {vkey["vkey"]: None}))
        with self.assertRaises(verify.VerifyError):
            verify.verify_note(note.replace("cryptography", "Cryptography"), [vkey], time.time())

    def test_c2sp_cosignature_example_parses(self):
        """The example of C2SP tlog-cosignature (no public key is published, so format only)."""
        note = (
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
            "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
            "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
        )
        text, sigs = verify.split_note(note)
        origin, size, root_hash = verify.parse_checkpoint_text(text)
        self.assertEqual((origin, size), ("example.com/behind-the-sofa", 20852163))
        self.assertEqual(b64(root_hash), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
        self.assertEqual([(name, len(sig)) for name, _, sig in sigs],
                         [("example.com/behind-the-sofa", 64), ("witness.example.com/w1", 72)])
        # The spec's signed-message example reads "time 1679315147".
        self.assertEqual(int.from_bytes(sigs[1][2][:8], "big"), 1679315147)


class CheckpointTest(unittest.TestCase):
    def setUp(self):
        self.now = int(time.time())
        self.text = checkpoint_text(5, root(5))
        self.note = sign(self.text, LOG_KEY, self.now)

    def assertRejected(self, note, keys=KEYS, why=""):
        with self.assertRaises(verify.VerifyError, msg=why):
            verify.verify_checkpoint(note, keys, self.now)

    def test_accepted_with_both_signature_types(self):
        cp = verify.verify_checkpoint(self.note, KEYS, self.now)
        self.assertEqual((cp["origin"], cp["size"], cp["root"], cp["timestamp"]), (ORIGIN, 5, root(5), self.now))
        self.assertEqual(verify.verify_checkpoint(self.note, KEYS[:1], self.now)["timestamp"], None)
        self.assertEqual(verify.verify_checkpoint(self.note, KEYS[1:], self.now)["timestamp"], self.now)

    def test_altered_size_or_root(self):
        self.assertRejected(self.note.replace("\n5\n", "\n6\n", 1), why="size")
        self.assertRejected(self.note.replace(b64(root(5)), b64(root(6))), why="root")
        for key in KEYS:  # each signature type on its own notices it
            self.assertRejected(self.note.replace("\n5\n", "\n6\n", 1), [key], why="size")

    def test_signature_by_another_key(self):
        other = sign(self.text, OTHER_KEY, self.now)
        self.assertRejected(other, why="other key, its own key IDs")
        for t in (1, 4):  # another key claiming the trusted key's ID
            forged = self.text + "\n" + signature_line(ORIGIN, t, OTHER_KEY, self.text, self.now, KEYS[t // 4]["key_id"])
            self.assertRejected(forged, [KEYS[t // 4]], why=f"forged type {t}")

    def test_wrong_key_id_in_signature_line(self):
        for t in (1, 4):
            kid = flip_bit(KEYS[t // 4]["key_id"], 0)
            note = self.text + "\n" + signature_line(ORIGIN, t, LOG_KEY, self.text, self.now, kid)
            self.assertRejected(note, [KEYS[t // 4]], why=f"type {t}")

    def test_timestamp_in_the_future(self):
        self.assertRejected(sign(self.text, LOG_KEY, self.now + 3600), why="1 hour ahead")
        self.assertEqual(verify.verify_checkpoint(sign(self.text, LOG_KEY, self.now + 300), KEYS, self.now)["timestamp"],
                         self.now + 300)
        self.assertEqual(verify.verify_checkpoint(sign(self.text, LOG_KEY, 1), KEYS, self.now)["timestamp"], 1)

    def test_cosignature_needs_its_header(self):
        sig = self.now.to_bytes(8, "big") + LOG_KEY.sign(self.text.encode())
        note = self.text + "\n\u2014 " + ORIGIN + " " + b64(KEYS[1]["key_id"] + sig) + "\n"
        self.assertRejected(note, [KEYS[1]])

    def test_unknown_signatures_ignored(self):
        witness = signature_line("witness.test/w1", 4, OTHER_KEY, self.text, self.now)
        self.assertEqual(verify.verify_checkpoint(self.note + witness, KEYS, self.now)["size"], 5)

    def test_extension_lines_signed(self):
        text = checkpoint_text(5, root(5), extra="ext line\n")
        note = sign(text, LOG_KEY, self.now)
        self.assertEqual(verify.verify_checkpoint(note, KEYS, self.now)["size"], 5)
        self.assertRejected(note.replace("ext line", "ext lime"))

    def test_malformed_checkpoints(self):
        good_root = b64(root(5))
        for text in (
            f"{ORIGIN}\n05\n{good_root}\n",  # leading zero
            f"{ORIGIN}\n+5\n{good_root}\n",
            f"{ORIGIN}\n5\n{good_root[:-1]}\n",  # not padded
            f"{ORIGIN}\n5\n{b64(root(5)[:31])}\n",  # 31 bytes
            f"{ORIGIN}\n5\n",  # two lines
            f"{ORIGIN}\n5\n{good_root}\n\next\n",  # empty line
            f"{ORIGIN}\n{2**64}\n{good_root}\n",
            f"other.test/log\n5\n{good_root}\n",  # origin not a trusted key name
        ):
            self.assertRejected(sign(text, LOG_KEY, self.now), why=text)

    def test_malformed_notes(self):
        for note in (
            self.text,  # no signatures
            self.note[:-1],  # no final newline
            self.note.replace("\u2014 ", "- "),
            self.note.replace(ORIGIN + "\n", ORIGIN + "\r\n", 1),
            self.note.replace("\n\n", "\n"),
        ):
            self.assertRejected(note, why=repr(note))


# ---------------------------------------------------------------------------
# The command line, against a fake log served over HTTP
# ---------------------------------------------------------------------------

LOG = {}  # what the fake server serves; set by FakeLogTest.publish


def json_response(handler, status, obj):
    body = json.dumps(obj).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class FakeLogHandler(BaseHTTPRequestHandler):
    """The HTTP interface of the brief, from LOG, with RFC 9162 proofs made by brute force."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urlsplit(self.path)
        q = {k: int(v[0]) for k, v in parse_qs(url.query).items()}
        entries = LOG["entries"]
        if url.path == "/ledger/checkpoint":
            body = LOG["checkpoint"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif url.path == "/api/v1/ledger/entries":
            start, count = q["start"], min(q["count"], LOG["page_limit"])
            if q["count"] > 1000 or start >= len(entries):
                return json_response(self, 400, {"error": "bad_request", "message": "out of range"})
            served = [LOG["served"].get(i, entries[i]) for i in range(start, min(start + count, len(entries)))]
            json_response(self, 200, {"start": start, "entries": [b64(e) for e in served]})
        elif url.path == "/api/v1/ledger/proofs/inclusion":
            i, n = q["index"], q["tree_size"]
            json_response(self, 200, {"index": i, "tree_size": n, "leaf_hash": b64(sha256(b"\x00" + entries[i])),
                                      "proof": [b64(h) for h in path(i, tuple(entries[:n]))]})
        elif url.path == "/api/v1/ledger/proofs/consistency":
            m, n = q["from"], q["to"]
            if not 0 < m < n <= len(entries):
                return json_response(self, 400, {"error": "bad_request", "message": "bad range"})
            json_response(self, 200, {"from": m, "to": n,
                                      "proof": [b64(h) for h in consistency_proof(m, tuple(entries[:n]))]})
        else:
            json_response(self, 404, {"error": "not_found", "message": url.path})


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, VERIFY_PY, *args], input=stdin, capture_output=True, text=True, timeout=120)


def key_args(vkeys=VKEYS):
    return [a for v in vkeys for a in ("--key", v)]


class FakeLogTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLogHandler)
        cls.url = f"http://127.0.0.1:{cls.server.server_port}"
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.state = os.path.join(self.tmp.name, "checkpoint")

    def tearDown(self):
        self.tmp.cleanup()

    def publish(self, n, entries=ENTRIES, served=None, page_limit=1000):
        LOG.update(entries=list(entries[:n]), served=served or {}, page_limit=page_limit,
                   checkpoint=sign(checkpoint_text(n, mth(tuple(entries[:n]))), LOG_KEY))

    def run_log(self, *extra, vkeys=VKEYS):
        return run_cli("log", "--url", self.url, *key_args(vkeys), *extra)

    def assertVerified(self, result):
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def assertFailed(self, result, text):
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertTrue(result.stderr.startswith("FAIL: "), result.stderr)
        self.assertEqual(result.stderr.count("\n"), 1, result.stderr)
        self.assertIn(text, result.stderr)

    def test_honest_log(self):
        self.publish(25)
        out = self.assertVerified(self.run_log())
        cp = verify.verify_checkpoint(LOG["checkpoint"], KEYS, time.time())
        self.assertEqual(out, {"origin": ORIGIN, "tree_size": 25, "root_hash": b64(root(25)),
                               "timestamp": cp["timestamp"], "entries_checked": 25,
                               "inclusion_proofs_checked": 20, "consistent_with_previous": None})
        self.assertEqual(self.assertVerified(self.run_log("--sample", "100"))["inclusion_proofs_checked"], 25)
        self.assertEqual(self.assertVerified(self.run_log("--sample", "0"))["inclusion_proofs_checked"], 0)

    def test_pages_and_short_pages(self):
        self.publish(1234)
        self.assertEqual(self.assertVerified(self.run_log("--sample", "3"))["entries_checked"], 1234)
        self.publish(40, page_limit=7)
        self.assertEqual(self.assertVerified(self.run_log())["entries_checked"], 40)

    def test_empty_log(self):
        self.publish(0)
        out = self.assertVerified(self.run_log("--state", self.state))
        self.assertEqual((out["tree_size"], out["inclusion_proofs_checked"]), (0, 0))
        self.publish(9)
        self.assertTrue(self.assertVerified(self.run_log("--state", self.state))["consistent_with_previous"])

    def test_state_follows_the_log(self):
        self.publish(25)
        self.assertFalse(self.assertVerified(self.run_log("--state", self.state))["consistent_with_previous"])
        with open(self.state, encoding="utf-8") as f:
            self.assertEqual(f.read(), LOG["checkpoint"])
        self.assertTrue(self.assertVerified(self.run_log("--state", self.state))["consistent_with_previous"])
        self.publish(35)
        self.assertTrue(self.assertVerified(self.run_log("--state", self.state))["consistent_with_previous"])
        self.publish(64)
        self.assertTrue(self.assertVerified(self.run_log("--state", self.state))["consistent_with_previous"])
        with open(self.state, encoding="utf-8") as f:
            self.assertEqual(f.read(), LOG["checkpoint"])

    def test_rollback_fork_and_rewritten_history(self):
        self.publish(35)
        self.assertVerified(self.run_log("--state", self.state))
        self.publish(25)
        self.assertFailed(self.run_log("--state", self.state), "smaller than the previously verified size 35")
        forked = ENTRIES[:34] + [b'{"forged": true}']
        self.publish(35, entries=forked)
        self.assertFailed(self.run_log("--state", self.state), "different root hash")
        rewritten = [b"x"] + ENTRIES[1:]
        self.publish(50, entries=rewritten)
        self.assertFailed(self.run_log("--state", self.state), "consistency proof from 35 to 50")
        with open(self.state, encoding="utf-8") as f:  # the state was not advanced by the failures
            self.assertIn("\n35\n", f.read())

    def test_tampered_entry_is_named(self):
        self.publish(40, served={17: b'{"seq": 17, "event": "edited"}'})
        self.assertFailed(self.run_log(), "FAIL: inclusion proof for entry 17 does not lead to the checkpoint root")

    def test_wrong_keys(self):
        self.publish(5)
        other = [spec_vkey(ORIGIN, 1, OTHER_KEY)]
        self.assertFailed(self.run_log(vkeys=other), "no signature by")
        name, hex_id, material = VKEYS[0].split("+", 2)
        result = self.run_log(vkeys=[f"{name}+{int(hex_id, 16) ^ 1:08x}+{material}"])
        self.assertEqual(result.returncode, 2, result.stderr)

    def test_server_unreachable(self):
        result = run_cli("log", "--url", "http://127.0.0.1:9", *key_args())
        self.assertEqual(result.returncode, 2, result.stderr)


class ProofCommandsTest(unittest.TestCase):
    def setUp(self):
        self.n = 37
        self.checkpoint = sign(checkpoint_text(self.n, root(self.n)), LOG_KEY)

    def inclusion(self, index, entry, proof, checkpoint=None, vkeys=VKEYS):
        stdin = json.dumps({"checkpoint": checkpoint or self.checkpoint, "entry": b64(entry), "index": index,
                            "proof": [b64(h) for h in proof]})
        return run_cli("inclusion", *key_args(vkeys), stdin=stdin)

    def test_vkey_command(self):
        pub = b64(raw_public_key(LOG_KEY))
        for t in (1, 4):
            result = run_cli("vkey", "--name", ORIGIN, "--type", str(t), "--public-key-b64", pub)
            self.assertEqual((result.returncode, result.stdout), (0, VKEYS[t // 4] + "\n"), result.stderr)
        self.assertEqual(run_cli("vkey", "--name", ORIGIN, "--type", "2", "--public-key-b64", pub).returncode, 2)
        self.assertEqual(run_cli("vkey", "--name", ORIGIN, "--type", "1", "--public-key-b64", "AAAA").returncode, 2)

    def test_inclusion_command(self):
        proof = path(17, tree(self.n))
        result = self.inclusion(17, ENTRIES[17], proof)
        self.assertEqual((result.returncode, json.loads(result.stdout or "null")), (0, {"ok": True, "tree_size": 37}),
                         result.stderr)
        result = self.inclusion(17, ENTRIES[18], proof)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr, "FAIL: inclusion proof for entry 17 does not lead to the checkpoint root\n")
        self.assertEqual(self.inclusion(17, ENTRIES[17], proof[:-1]).returncode, 1)
        self.assertEqual(self.inclusion(37, ENTRIES[17], proof).returncode, 1)
        self.assertEqual(self.inclusion(17, ENTRIES[17], proof, vkeys=[spec_vkey(ORIGIN, 4, OTHER_KEY)]).returncode, 1)
        self.assertEqual(run_cli("inclusion", *key_args(), stdin="not json").returncode, 2)
        self.assertEqual(run_cli("inclusion", *key_args(), stdin='{"checkpoint": "x"}').returncode, 2)

    def test_consistency_command(self):
        old = sign(checkpoint_text(20, root(20)), LOG_KEY)
        proof = [b64(h) for h in consistency_proof(20, tree(self.n))]

        def run(old_cp, new_cp, hashes):
            return run_cli("consistency", *key_args(), stdin=json.dumps({"old": old_cp, "new": new_cp, "proof": hashes}))

        result = run(old, self.checkpoint, proof)
        self.assertEqual((result.returncode, json.loads(result.stdout or "null")), (0, {"ok": True, "from": 20, "to": 37}),
                         result.stderr)
        self.assertEqual(run(old, self.checkpoint, proof[1:]).returncode, 1)
        self.assertEqual(run(self.checkpoint, old, proof).returncode, 1)
        self.assertEqual(run(old, old, []).returncode, 0)
        bad_old = old.replace("\n20\n", "\n21\n", 1)
        result = run(bad_old, self.checkpoint, proof)
        self.assertEqual(result.returncode, 1)
        self.assertTrue(result.stderr.startswith("FAIL: old checkpoint: "), result.stderr)


if __name__ == "__main__":
    unittest.main()
