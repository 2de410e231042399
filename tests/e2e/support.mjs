// Helpers for the end-to-end tests: a PNG and a PDF writer, a free port, the CLI and the server
// process.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..');

// ---- the binary under test ------------------------------------------------------------------

// ${DINHDANH_BIN:-target/debug/dinhdanh}; a relative path is taken from the current directory
// when it exists there, otherwise from the repository root.
export function binaryPath() {
  const given = process.env.DINHDANH_BIN || path.join('target', 'debug', 'dinhdanh');
  if (path.isAbsolute(given)) return given;
  const fromCwd = path.resolve(process.cwd(), given);
  return fs.existsSync(fromCwd) ? fromCwd : path.resolve(REPO, given);
}

// The environment for the binary: the caller's, less any DINHDANH_* setting (a database URL or a
// listen address from the developer's shell must not leak into the test), except the log filter.
function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('DINHDANH_') && k !== 'DINHDANH_LOG') continue;
    env[k] = v;
  }
  return env;
}

function shellQuote(a) {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(bin, args) {
  return [bin, ...args].map(shellQuote).join(' ');
}

// Runs one CLI command to completion; throws with the command, exit status, stdout and stderr.
export function runCli(bin, args, { cwd, timeoutMs = 60_000 } = {}) {
  const r = spawnSync(bin, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout: timeoutMs });
  if (r.error || r.status !== 0) {
    const why = r.error ? `failed to run: ${r.error.message}` : r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
    throw new Error(
      `command failed (${why}):\n  $ ${commandLine(bin, args)}\n` +
        `--- stdout ---\n${(r.stdout || '').trimEnd()}\n--- stderr ---\n${(r.stderr || '').trimEnd()}\n--------------`,
    );
  }
  return r;
}

// ---- a free TCP port ---------------------------------------------------------------------------

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// ---- the server process ----------------------------------------------------------------------

export class Server {
  constructor(bin, args, { cwd, logFile }) {
    this.command = commandLine(bin, args);
    this.logFile = logFile;
    this.log = fs.openSync(logFile, 'a');
    this.exited = null;
    this.child = spawn(bin, args, { cwd, env: cleanEnv(), stdio: ['ignore', this.log, this.log] });
    this.child.on('exit', (code, signal) => {
      this.exited = { code, signal };
    });
    this.child.on('error', (e) => {
      this.exited = { error: e.message };
    });
  }

  logTail(lines = 60) {
    try {
      const text = fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n');
      return text.slice(-lines).join('\n');
    } catch {
      return '(no server log)';
    }
  }

  // Polls GET {base}/readyz until it answers 200; fails early if the process exits.
  async waitReady(base, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.exited) {
        throw new Error(
          `the server exited before it was ready (${JSON.stringify(this.exited)}):\n  $ ${this.command}\n` +
            `--- server output ---\n${this.logTail()}\n---------------------`,
        );
      }
      try {
        const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
        last = `HTTP ${res.status}`;
      } catch (e) {
        last = e.cause?.code || e.message;
      }
      await sleep(200);
    }
    throw new Error(
      `the server was not ready within ${timeoutMs / 1000} s (last /readyz: ${last}):\n  $ ${this.command}\n` +
        `--- server output ---\n${this.logTail()}\n---------------------`,
    );
  }

  // SIGTERM, then SIGKILL after a grace period.
  async stop(graceMs = 5_000) {
    if (!this.child || this.exited || this.child.exitCode !== null) return this.closeLog();
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
    this.closeLog();
  }

  killNow() {
    if (this.child && !this.exited && this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  closeLog() {
    if (this.log !== null) {
      try {
        fs.closeSync(this.log);
      } catch {
        // already closed
      }
      this.log = null;
    }
  }
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- PNG -------------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

// A truecolour (8-bit RGB) PNG; pixel(x, y) returns [r, g, b].
export function png(width, height, pixel) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter
  ihdr[12] = 0; // interlace
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 0; // filter type: none
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      const o = y * stride + 1 + x * 3;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// A passport-style portrait: a light background, a head and shoulders.
export function portraitPng(width = 300, height = 400) {
  const cx = width / 2;
  const cy = height * 0.4;
  const rx = width * 0.22;
  const ry = height * 0.2;
  return png(width, height, (x, y) => {
    const dx = (x - cx) / rx;
    const dy = (y - cy) / ry;
    if (dx * dx + dy * dy <= 1) return [224, 182, 150]; // face
    const sx = (x - cx) / (width * 0.45);
    const sy = (y - height) / (height * 0.35);
    if (sx * sx + sy * sy <= 1) return [40, 60, 110]; // shoulders
    const shade = 235 - Math.round((y / height) * 25);
    return [shade, shade, 245]; // background
  });
}

// ---- PDF -------------------------------------------------------------------------------------

// A one-page PDF 1.4 with a line of text (ASCII), its cross-reference table at the right offsets.
export function onePagePdf(text) {
  const escaped = text.replace(/[\\()]/g, (c) => `\\${c}`);
  const content = `BT /F1 18 Tf 72 770 Td (${escaped}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n%\xE2\xE3\xCF\xD3\n';
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
