// An independent check of one access-ledger entry, with node:crypto only, written from the
// specifications rather than from dinhdanh's code:
//
// - RFC 9162 §2.1.1: leaf hash H(0x00 ‖ entry), node hash H(0x01 ‖ left ‖ right), SHA-256;
// - RFC 9162 §2.1.3.2: verifying an inclusion proof against a tree size and root;
// - C2SP signed-note: vkey `name+hex(key ID)+base64(0x01 ‖ Ed25519 public key)`, key ID =
//   SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)[:4], signature lines `— name base64(key ID ‖ sig)`
//   after a blank line, each signing the note text up to (and including) the newline before it;
// - C2SP tlog-checkpoint: the text is origin, tree size, base64 root hash, one per line;
// - C2SP tlog-cosignature: type 0x04, signature `key ID ‖ 8-byte big-endian time ‖ sig` over
//   `cosignature/v1\ntime <t>\n` followed by the checkpoint text.
//
// A bundle is what GET /api/v1/ledger/entries/{index}/bundle answers:
// {"checkpoint": signed note, "index": n, "entry": base64 entry bytes, "proof": [base64 hashes]}.
import crypto from 'node:crypto';

const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();

export function leafHash(entry) {
  return sha256(Buffer.from([0x00]), entry);
}

function nodeHash(left, right) {
  return sha256(Buffer.from([0x01]), left, right);
}

// RFC 9162 §2.1.3.2, step by step. Returns the root the proof leads to, or throws.
export function rootFromInclusionProof(index, treeSize, leaf, proof) {
  let fn = BigInt(index);
  let sn = BigInt(treeSize) - 1n;
  if (fn > sn) throw new Error(`index ${index} is not in a tree of ${treeSize} entries`);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw new Error('the proof is longer than the path to the root');
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new Error('the proof is shorter than the path to the root');
  return r;
}

// A C2SP vkey of an Ed25519 key (type 0x01 or 0x04), with its key ID checked.
export function parseVkey(text) {
  const [name, hexId, ...rest] = text.trim().split('+');
  const key = Buffer.from(rest.join('+'), 'base64');
  if (!name || !hexId || key.length !== 33) throw new Error(`not an Ed25519 vkey: ${text}`);
  const type = key[0];
  if (type !== 0x01 && type !== 0x04) throw new Error(`unexpected key type ${type} in ${text}`);
  const publicKey = key.subarray(1);
  const keyId = sha256(Buffer.from(`${name}\n`), Buffer.from([type]), publicKey).subarray(0, 4);
  if (keyId.toString('hex') !== hexId.toLowerCase()) throw new Error(`the key ID of ${text} does not match its key`);
  const object = crypto.createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') },
    format: 'jwk',
  });
  return { name, type, keyId, publicKey: object };
}

// Splits a signed note into its text and its signature lines.
function splitNote(note) {
  const cut = note.indexOf('\n\n');
  if (cut < 0) throw new Error('no blank line between the note text and its signatures');
  const text = note.slice(0, cut + 1);
  const signatures = note
    .slice(cut + 2)
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      if (!line.startsWith('\u2014 ')) throw new Error(`a signature line does not start with an em dash: ${line}`);
      const body = line.slice(2);
      const space = body.lastIndexOf(' ');
      return { name: body.slice(0, space), signature: Buffer.from(body.slice(space + 1), 'base64') };
    });
  return { text, signatures };
}

// Checks the note's signature by `vkey` (0x01: plain note signature; 0x04: timestamped
// cosignature, whose time is returned). Throws when there is no valid one.
export function verifyNoteSignature(note, vkey) {
  const { text, signatures } = splitNote(note);
  for (const { name, signature } of signatures) {
    if (name !== vkey.name || !signature.subarray(0, 4).equals(vkey.keyId)) continue;
    if (vkey.type === 0x01 && signature.length === 4 + 64) {
      if (crypto.verify(null, Buffer.from(text), vkey.publicKey, signature.subarray(4))) return { text };
    }
    if (vkey.type === 0x04 && signature.length === 4 + 8 + 64) {
      const time = signature.readBigUInt64BE(4);
      const message = Buffer.from(`cosignature/v1\ntime ${time}\n${text}`);
      if (crypto.verify(null, message, vkey.publicKey, signature.subarray(12))) return { text, time: Number(time) };
    }
  }
  throw new Error(`the checkpoint carries no valid signature by ${vkey.name} (type ${vkey.type})`);
}

// Reads a checkpoint's text: origin, size, root.
export function parseCheckpoint(text) {
  const lines = text.split('\n');
  if (lines.length < 4 || lines.at(-1) !== '') throw new Error('a checkpoint has three newline-terminated lines');
  const [origin, sizeText, rootText] = lines;
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new Error(`the tree size is not a number: ${sizeText}`);
  const root = Buffer.from(rootText, 'base64');
  if (root.length !== 32) throw new Error('the root hash is not 32 bytes');
  return { origin, size: BigInt(sizeText), root };
}

// Verifies a bundle against trusted vkey strings; returns what it proved, or throws saying what
// does not match.
export function verifyBundle(bundle, vkeyTexts) {
  const vkeys = vkeyTexts.map(parseVkey);
  if (!vkeys.some((k) => k.type === 0x01)) throw new Error('no note-signature (0x01) key given');
  let text;
  let time;
  for (const vkey of vkeys) {
    const checked = verifyNoteSignature(bundle.checkpoint, vkey);
    text = checked.text;
    if (checked.time !== undefined) time = checked.time;
  }
  const checkpoint = parseCheckpoint(text);
  if (!vkeys.every((k) => k.name === checkpoint.origin)) throw new Error('the keys are not the log named in the checkpoint');
  const entry = Buffer.from(bundle.entry, 'base64');
  const proof = bundle.proof.map((h) => {
    const b = Buffer.from(h, 'base64');
    if (b.length !== 32) throw new Error('a proof hash is not 32 bytes');
    return b;
  });
  const root = rootFromInclusionProof(bundle.index, checkpoint.size, leafHash(entry), proof);
  if (!root.equals(checkpoint.root)) throw new Error(`entry ${bundle.index} does not lead to the signed root`);
  return { checkpoint, time, entry: JSON.parse(entry.toString('utf8')) };
}
