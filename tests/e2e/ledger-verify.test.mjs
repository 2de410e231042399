// Checks the Node.js ledger verifier on its own, against trees built here from the definitions
// of RFC 9162 §2.1.1 (MTH) and §2.1.3.1 (PATH), and against signed notes made here with a fresh
// Ed25519 key. No server, no browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { leafHash, parseVkey, rootFromInclusionProof, verifyBundle, verifyNoteSignature } from './ledger-verify.mjs';

const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
const node = (l, r) => sha256(Buffer.from([1]), l, r);

// The largest power of two smaller than n (n > 1).
function split(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function mth(leaves) {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leafHash(leaves[0]);
  const k = split(leaves.length);
  return node(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

function path(m, leaves) {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k
    ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))]
    : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

test('inclusion proofs of every leaf of every tree up to 40 entries verify, and wrong ones do not', () => {
  for (let n = 1; n <= 40; n++) {
    const leaves = Array.from({ length: n }, (_, i) => Buffer.from(`entry ${i}`));
    const root = mth(leaves);
    for (let m = 0; m < n; m++) {
      const proof = path(m, leaves);
      assert.ok(rootFromInclusionProof(m, n, leafHash(leaves[m]), proof).equals(root), `${m} of ${n}`);
      if (n > 1) {
        assert.throws(() => {
          const other = (m + 1) % n;
          if (!rootFromInclusionProof(other, n, leafHash(leaves[m]), proof).equals(root)) throw new Error('no');
        }, `a proof of ${m} is not one of ${(m + 1) % n} in ${n}`);
        assert.throws(() => rootFromInclusionProof(m, n, leafHash(leaves[m]), [...proof, root]));
      }
    }
    assert.throws(() => rootFromInclusionProof(n, n, leafHash(leaves[0]), []), /not in a tree/);
  }
  // The RFC 6962 / 9162 test vector: the empty tree's root is SHA-256 of nothing.
  assert.equal(mth([]).toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

function signedNote(name, privateKey, publicRaw, text, time) {
  const id = (type) => sha256(Buffer.from(`${name}\n`), Buffer.from([type]), publicRaw).subarray(0, 4);
  const plain = Buffer.concat([id(1), crypto.sign(null, Buffer.from(text), privateKey)]);
  const t = Buffer.alloc(8);
  t.writeBigUInt64BE(BigInt(time));
  const cosigned = Buffer.from(`cosignature/v1\ntime ${time}\n${text}`);
  const co = Buffer.concat([id(4), t, crypto.sign(null, cosigned, privateKey)]);
  const vkey = (type) => `${name}+${id(type).toString('hex')}+${Buffer.concat([Buffer.from([type]), publicRaw]).toString('base64')}`;
  return {
    note: `${text}\n\u2014 ${name} ${plain.toString('base64')}\n\u2014 ${name} ${co.toString('base64')}\n`,
    vkeys: [vkey(1), vkey(4)],
  };
}

test('a bundle signed here verifies; a foreign key, a changed note or a changed entry do not', () => {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const publicRaw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  const leaves = Array.from({ length: 7 }, (_, i) => Buffer.from(`{"i":${i}}`));
  const text = `example.org/ledger\n7\n${mth(leaves).toString('base64')}\n`;
  const { note, vkeys } = signedNote('example.org/ledger', privateKey, publicRaw, text, 1_764_403_200);
  const bundle = {
    checkpoint: note,
    index: 5,
    entry: leaves[5].toString('base64'),
    proof: path(5, leaves).map((h) => h.toString('base64')),
  };
  const proved = verifyBundle(bundle, vkeys);
  assert.equal(proved.checkpoint.size, 7n);
  assert.equal(proved.time, 1_764_403_200);
  assert.deepEqual(proved.entry, { i: 5 });
  assert.equal(verifyNoteSignature(note, parseVkey(vkeys[0])).text, text);

  assert.throws(() => verifyBundle({ ...bundle, entry: leaves[4].toString('base64') }, vkeys), /signed root/);
  assert.throws(() => verifyBundle({ ...bundle, checkpoint: note.replace('\n7\n', '\n8\n') }, vkeys), /no valid signature/);
  const other = crypto.generateKeyPairSync('ed25519');
  const otherRaw = Buffer.from(other.publicKey.export({ format: 'jwk' }).x, 'base64url');
  const foreign = signedNote('example.org/ledger', other.privateKey, otherRaw, text, 1).vkeys;
  assert.throws(() => verifyBundle(bundle, foreign), /no valid signature/);
  assert.throws(() => parseVkey(vkeys[0].replace(/\+([0-9a-f]{8})\+/, '+00000000+')), /key ID/);
});
