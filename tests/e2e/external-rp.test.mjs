// End-to-end test: a relying party on another origin receives its authorization code in a real
// headless Chromium.
//
// Chromium checks every redirect that follows a form submission against the page's CSP
// `form-action`, so the provider's sign-in and consent pages of an authorization must name the
// relying party's redirect origin (and only those pages). This test plays the whole code flow
// against a tiny relying party on http://127.0.0.1:RPPORT while the provider is
// http://localhost:PORT, and exchanges the code at /token from Node.js.
//
// Run with tests/e2e/run.sh, or `node --test tests/e2e/external-rp.test.mjs` once Chromium and the
// npm packages are there. Pages are addressed only through ids, names and data-* attributes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { pathOf } from './pages.mjs';
import { binaryPath, freePort, portraitPng, runCli, Server, sleep } from './support.mjs';

const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT = 60_000;

const RP = { id: 'rp.example', secret: null };
const CITIZEN = {
  personalId: '001090012345',
  fullName: 'Nguyễn Văn An',
  birthDate: '1990-03-15',
  phone: '0912345678',
  msisdn: '+84912345678',
  password: 'Citizen-Passw0rd-2024!',
};
const POPULATION = [{
  personal_id: CITIZEN.personalId, family_name: 'Nguyễn', middle_name: 'Văn', given_name: 'An',
  birth_date: CITIZEN.birthDate, sex: 'male',
  place_of_origin: 'Xã Thanh Liệt, Huyện Thanh Trì, Hà Nội',
  permanent_residence: 'Số 12 phố Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội',
  current_residence: 'Số 12 phố Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội',
  nationality: 'VN', ethnicity: 'Kinh', religion: 'Không', father_id: '', mother_id: '', spouse_id: '',
  id_card_number: CITIZEN.personalId, id_card_issued: '2021-05-10', id_card_expires: '2030-03-15',
  status: 'living', death_date: '',
}];

const S = {
  tmp: null,
  bin: null,
  server: null,
  base: null, // http://localhost:PORT: the provider, as the browser sees it
  direct: null, // http://127.0.0.1:PORT, for Node's own requests
  rp: null, // the relying party's http.Server
  rpOrigin: null, // http://127.0.0.1:RPPORT
  rpHits: [], // the query strings the relying party received at /cb
  browser: null,
  page: null,
  documents: [], // {path, method, csp} of every provider page (not redirect) the browser loaded
  problems: [], // CSP console messages and uncaught page errors
  verifier: null,
  code: null,
  failed: null,
};

function cleanup() {
  if (S.server) S.server.killNow();
  if (S.rp) S.rp.close();
  if (S.tmp && process.env.E2E_KEEP_TMP !== '1') fs.rmSync(S.tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

after(async () => {
  if ((S.failed || process.exitCode) && S.server) {
    process.stderr.write(`\n--- server output ---\n${S.server.logTail(80)}\n---------------------\n`);
    if (S.problems.length) process.stderr.write(`browser problems seen:\n  ${S.problems.join('\n  ')}\n`);
  }
  try {
    if (S.browser) await S.browser.close();
  } finally {
    if (S.server) await S.server.stop();
    cleanup();
  }
});

// A step: skipped after an earlier failure; a failure names the page and saves a screenshot.
function step(name, fn) {
  test(name, { timeout: STEP_TIMEOUT }, async (t) => {
    if (S.failed) {
      t.skip(`an earlier step failed: ${S.failed}`);
      return;
    }
    try {
      await fn();
    } catch (e) {
      S.failed = name;
      let where = '';
      if (S.page && !S.page.isClosed()) {
        where = `\n  at ${S.page.url()}`;
        try {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinhdanh-e2e-failure-'));
          await S.page.screenshot({ path: path.join(dir, 'external-rp.png'), fullPage: true });
          fs.writeFileSync(path.join(dir, 'external-rp.html'), await S.page.content());
          where += `\n  screenshot and HTML saved in ${dir}`;
        } catch {
          // the page is gone
        }
      }
      const problems = S.problems.length ? `\n  browser problems: ${S.problems.join(' || ')}` : '';
      e.message = `${e.message}${where}${problems}`;
      throw e;
    }
  });
}


async function goto(page, url) {
  const res = await page.goto(url);
  if (res && res.status() >= 400) throw new Error(`GET ${url} answered HTTP ${res.status()}`);
}

// Fills the named fields of a form, submits it (with `button` or its first submit button) and
// waits for the page that answers.
async function submitForm(page, formSelector, fields = {}, { button } = {}) {
  const form = page.locator(formSelector);
  await form.waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`no ${formSelector} on ${page.url()}`);
  });
  for (const [name, value] of Object.entries(fields)) {
    const input = form.locator(`[name="${name}"]`).first();
    if (!(await input.count())) throw new Error(`${formSelector} has no field named ${name}`);
    if (value && typeof value === 'object') await input.setInputFiles(value);
    else await input.fill(value);
  }
  const loaded = page.waitForEvent('load', { timeout: 15_000 });
  const submit = form.locator(button || 'button:not([type]), button[type=submit], input[type=submit]').first();
  if (!(await submit.count())) throw new Error(`${formSelector} has no ${button || 'submit button'}`);
  await submit.click();
  await loaded.catch(() => {
    throw new Error(`submitting ${formSelector} did not load a page (still at ${page.url()})`);
  });
}

// The newest SMS code to msisdn from /demo/outbox, in a page of its own.
async function outboxCode(msisdn) {
  const page = await S.page.context().newPage();
  try {
    const deadline = Date.now() + 5_000;
    for (;;) {
      await goto(page, '/demo/outbox');
      const row = page.locator(`table#outbox tr[data-recipient="${msisdn}"] td.body`).first();
      if (await row.count()) {
        const codes = ((await row.textContent()) || '').match(/\b\d{6}\b/g) || [];
        assert.equal(codes.length, 1, `the newest SMS to ${msisdn} holds one 6-digit code`);
        return codes[0];
      }
      if (Date.now() > deadline) throw new Error(`no SMS to ${msisdn} in /demo/outbox`);
      await sleep(250);
    }
  } finally {
    await page.close();
  }
}

function cspOf(pathname) {
  return S.documents.filter((d) => d.path === pathname).map((d) => d.csp);
}

// ---- the scenario ----------------------------------------------------------------------------

step('0. setup: the relying party on 127.0.0.1, its client, the provider on localhost, Chromium', async () => {
  S.bin = binaryPath();
  if (!fs.existsSync(S.bin)) throw new Error(`the binary under test is missing: ${S.bin}`);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is missing: ${CHROMIUM} (tests/e2e/run.sh installs it)`);
  S.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinhdanh-e2e-rp-'));

  // The relying party: /cb shows the query it received, nothing else.
  S.rp = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname !== '/cb') {
      res.writeHead(404).end();
      return;
    }
    S.rpHits.push(url.search);
    const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    const q = url.searchParams;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><title>rp</title><p id="code">${esc(q.get('code'))}</p>` +
        `<p id="state">${esc(q.get('state'))}</p><p id="iss">${esc(q.get('iss'))}</p>` +
        `<p id="error">${esc(q.get('error'))}</p>`,
    );
  });
  await new Promise((resolve, reject) => {
    S.rp.once('error', reject);
    S.rp.listen(0, '127.0.0.1', resolve);
  });
  S.rpOrigin = `http://127.0.0.1:${S.rp.address().port}`;

  const dataDir = path.join(S.tmp, 'data');
  const cli = (args) => runCli(S.bin, ['--data-dir', dataDir, ...args], { cwd: S.tmp });
  const population = path.join(S.tmp, 'population.jsonl');
  fs.writeFileSync(population, POPULATION.map((p) => JSON.stringify(p)).join('\n') + '\n');
  cli(['registry', 'import', population]);
  const clientFile = path.join(S.tmp, 'client.json');
  fs.writeFileSync(clientFile, JSON.stringify({
    client_id: RP.id,
    name: { vi: 'Cổng thử nghiệm', en: 'Test portal' },
    purpose: { vi: 'Đăng nhập', en: 'Sign-in' },
    redirect_uris: [`${S.rpOrigin}/cb`],
    token_endpoint_auth_method: 'client_secret_basic',
    scopes: ['openid'],
    grant_types: ['authorization_code'],
    security_level: 2,
  }));
  RP.secret = JSON.parse(cli(['clients', 'add', '--file', clientFile]).stdout).client_secret;
  assert.ok(RP.secret, 'the relying party got a client secret');

  const port = await freePort();
  S.base = `http://localhost:${port}`;
  S.direct = `http://127.0.0.1:${port}`;
  S.server = new Server(
    S.bin,
    ['--data-dir', dataDir, 'serve', '--listen', `127.0.0.1:${port}`, '--public-url', S.base, '--demo-outbox'],
    { cwd: S.tmp, logFile: path.join(S.tmp, 'server.log') },
  );
  await S.server.waitReady(S.direct, 30_000);

  S.browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  const context = await S.browser.newContext({ baseURL: S.base, locale: 'en-US' });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  S.page = await context.newPage();
  S.page.on('pageerror', (e) => S.problems.push(`uncaught page error at ${S.page.url()}: ${e.message}`));
  S.page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) S.problems.push(`CSP at ${S.page.url()}: ${m.text()}`);
  });
  S.page.on('response', async (r) => {
    const u = new URL(r.url());
    // Pages only: a redirect's own policy governs nothing.
    if (r.request().isNavigationRequest() && u.origin === S.base && r.status() < 300) {
      const csp = (await r.allHeaders())['content-security-policy'] || '';
      S.documents.push({ path: u.pathname, method: r.request().method(), csp });
    }
  });
});

step('1. the citizen registers (SMS check, portrait, password) and signs out', async () => {
  const page = S.page;
  await goto(page, '/register?lang=en');
  await submitForm(page, 'form#register', {
    personal_id: CITIZEN.personalId,
    full_name: CITIZEN.fullName,
    birth_date: CITIZEN.birthDate,
    phone: CITIZEN.phone,
  });
  await submitForm(page, 'form#verify', { code: await outboxCode(CITIZEN.msisdn) });
  assert.equal(pathOf(page), '/account/setup', 'after verifying the phone');
  await submitForm(page, 'form#portrait', {
    portrait: { name: 'portrait.png', mimeType: 'image/png', buffer: portraitPng(300, 400) },
  });
  if (pathOf(page) !== '/account/setup') await goto(page, '/account/setup');
  await submitForm(page, 'form#password', { password: CITIZEN.password, password_confirm: CITIZEN.password });
  if (pathOf(page) !== '/account') await goto(page, '/account');
  await submitForm(page, 'form#logout');
  assert.equal(pathOf(page), '/login', 'after signing out');
});

step('2. the browser follows an authorization request to the relying party on another origin', async () => {
  const page = S.page;
  S.verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(S.verifier).digest('base64url');
  const redirectUri = `${S.rpOrigin}/cb`;
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: RP.id,
    redirect_uri: redirectUri,
    scope: 'openid',
    state: 's1',
    nonce: 'n1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  S.documents.length = 0;
  S.problems.length = 0;
  await goto(page, `/authorize?${query}`);

  const passed = [];
  for (let i = 0; i < 6 && new URL(page.url()).origin === S.base; i++) {
    passed.push(pathOf(page));
    if (await page.locator('form#login').count()) {
      await submitForm(page, 'form#login', { personal_id: CITIZEN.personalId, password: CITIZEN.password });
    } else if (await page.locator('form#consent').count()) {
      await submitForm(page, 'form#consent', {}, { button: 'button[name="decision"][value="allow"]' });
    } else {
      throw new Error(`an unexpected page on the way through the provider: ${pathOf(page)} (after ${passed.join(' → ')})`);
    }
  }
  assert.ok(passed.includes('/login'), `signed in on the provider's login page (${passed.join(' → ')})`);
  assert.ok(
    await page.locator('#code').count(),
    `the browser did not reach the relying party (at ${page.url()}, after ${passed.join(' → ')})`,
  );

  const landed = new URL(page.url());
  assert.equal(`${landed.origin}${landed.pathname}`, redirectUri, 'the browser ends at the relying party');
  const params = landed.searchParams;
  assert.match(params.get('code') || '', /^\S{16,}$/, `a code: ${landed.search}`);
  assert.equal(params.get('state'), 's1');
  assert.equal(params.get('iss'), S.base);
  assert.equal(params.get('error'), null);
  assert.equal(((await page.locator('#code').textContent()) || '').trim(), params.get('code'), 'the page shows the code');
  assert.equal(((await page.locator('#state').textContent()) || '').trim(), 's1');
  assert.deepEqual(S.rpHits, [landed.search], 'the relying party received exactly this request');
  S.code = params.get('code');

  assert.deepEqual(S.problems, [], 'no CSP violation and no page error on the way');
  // The pages of the authorization name the relying party's origin in form-action; others do not.
  const widened = `form-action 'self' ${S.rpOrigin};`;
  const login = cspOf('/login');
  assert.ok(login.length && login.every((c) => c.includes(widened)), `the login page's CSP: ${JSON.stringify(login)}`);
  const pages = S.documents;
  assert.ok(pages.some((d) => d.path !== '/login'), `a consent page was loaded: ${JSON.stringify(S.documents)}`);
  for (const d of pages) assert.ok(d.csp.includes(widened), `the CSP of ${d.path}: ${d.csp}`);
  const plain = await fetch(`${S.direct}/login`);
  const plainCsp = plain.headers.get('content-security-policy') || '';
  assert.ok(plainCsp.includes("form-action 'self';"), `a login page outside an authorization: ${plainCsp}`);
  assert.ok(!plainCsp.includes(S.rpOrigin), `a login page outside an authorization names no other origin: ${plainCsp}`);
});

step('3. the relying party exchanges the code at /token and gets an id_token', async () => {
  const basic = Buffer.from(`${encodeURIComponent(RP.id)}:${encodeURIComponent(RP.secret)}`).toString('base64');
  const res = await fetch(`${S.direct}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: S.code,
      redirect_uri: `${S.rpOrigin}/cb`,
      code_verifier: S.verifier,
    }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, `the token response: ${JSON.stringify(body)}`);
  assert.equal(typeof body.id_token, 'string', 'an id_token comes back');
  const parts = body.id_token.split('.');
  assert.equal(parts.length, 3, 'the id_token is a compact JWS');
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  assert.equal(claims.iss, S.base);
  assert.equal(claims.nonce, 'n1');
  assert.ok([].concat(claims.aud).includes(RP.id), `aud names the client: ${JSON.stringify(claims.aud)}`);
});
