// Page helpers the end-to-end scenarios share: where the browser is, what a page says, what to
// keep when a step fails, and TOTP codes that are each used once.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as OTPAuth from 'otpauth';
import { sleep } from './support.mjs';

export function pathOf(page) {
  return new URL(page.url()).pathname;
}

// `expected`: a path, a list of paths, or a RegExp.
export function expectPath(page, expected, what) {
  const actual = pathOf(page);
  const ok = expected instanceof RegExp ? expected.test(actual) : [].concat(expected).includes(actual);
  assert.ok(ok, `${what}: expected to be at ${expected}, but the browser is at ${actual}`);
}

export async function attr(page, selector, name) {
  const el = page.locator(selector);
  await el.waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`no ${selector} on ${page.url()}`);
  });
  return el.getAttribute(name);
}

export async function expectAttr(page, selector, name, expected) {
  const actual = await attr(page, selector, name);
  assert.equal(actual, expected, `${selector} ${name}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// The text of what looks like an error on the page: alerts, error boxes, invalid inputs.
export async function visibleErrors(page) {
  try {
    return await page.evaluate(() => {
      const seen = new Set();
      const out = [];
      const sel = '[role=alert], .error, .errors, .alert, .flash, .notice, #error, #message, #passkey-error, [aria-invalid=true]';
      for (const el of document.querySelectorAll(sel)) {
        if (el.hidden || el.closest('[hidden]')) continue;
        const t = (el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ');
        if (t && !seen.has(t)) {
          seen.add(t);
          out.push(t);
        }
      }
      for (const el of document.querySelectorAll('input, select, textarea')) {
        if (el.willValidate && !el.checkValidity()) out.push(`invalid input ${el.name || el.id}: ${el.validationMessage}`);
      }
      if (!out.length) {
        const main = document.querySelector('main') || document.body;
        const t = main ? (main.innerText || '').trim().replace(/\s+/g, ' ') : '';
        if (t) out.push(`(no error element; page text: ${t.slice(0, 400)})`);
      }
      return out.join(' | ');
    });
  } catch (e) {
    return `(could not read the page: ${e.message})`;
  }
}

export async function describePage(page) {
  if (!page || page.isClosed()) return 'no page';
  let title = '';
  try {
    title = await page.evaluate(() => document.title);
  } catch {
    // navigating
  }
  return `page ${page.url()} (title: ${JSON.stringify(title)})\n  visible error text: ${await visibleErrors(page)}`;
}

// Saves a screenshot and the HTML of the failing page outside the temp dir (which is deleted).
export async function saveEvidence(page, stepName) {
  if (!page || page.isClosed()) return '';
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinhdanh-e2e-failure-'));
    const slug = stepName.replace(/[^\w]+/g, '-').slice(0, 60);
    await page.screenshot({ path: path.join(dir, `${slug}.png`), fullPage: true });
    fs.writeFileSync(path.join(dir, `${slug}.html`), await page.content());
    return `\n  screenshot and HTML saved in ${dir}`;
  } catch {
    return '';
  }
}

// A fresh code for `secret`: never one of a step already used (`lastStep` remembers them per
// secret), and not in the last 2 s of a step.
export async function totpCode(secret, lastStep) {
  const period = 30_000;
  for (;;) {
    const now = Date.now();
    const stepNo = Math.floor(now / period);
    const left = (stepNo + 1) * period - now;
    const last = lastStep[secret];
    if ((last === undefined || stepNo > last) && left > 2_000) {
      lastStep[secret] = stepNo;
      const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
      return totp.generate({ timestamp: now });
    }
    await sleep(left + 150);
  }
}
