// End-to-end test of a public-service application in a real headless Chromium: a citizen signs
// in to the portal through the OpenID provider's pages, applies with data pre-filled from the
// registry, uploads a PDF and files; an officer accepts, processes and asks for the fee; the
// citizen pays in the sandbox gateway (its notification settles the fee); the officer approves
// and returns the result electronically; the citizen opens the result, whose signature checks on
// the page, and downloads it; the document verifies with `dinhdanh services verify-result` and,
// independently, in Node.js with node:crypto only.
//
// Run with tests/e2e/run.sh (it installs Chromium and the npm packages when missing), or
// `node --test tests/e2e/services.test.mjs` once they are there. The binary under test is
// ${DINHDANH_BIN:-target/debug/dinhdanh}; the caller builds it. E2E_CHROMIUM overrides
// /usr/bin/chromium; E2E_KEEP_TMP=1 keeps the data directory (and the server log) for a look.
//
// The pages are addressed only through the ids, names and data-* attributes agreed with the page
// implementation, never through visible texts (the pages are bilingual).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { attr, describePage, expectAttr, expectPath, pathOf, saveEvidence, totpCode as nextTotpCode } from './pages.mjs';
import { binaryPath, freePort, onePagePdf, portraitPng, REPO, runCli, Server, sleep } from './support.mjs';

const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
// Screenshots kept after a successful run (failures go to /tmp/dinhdanh-e2e-failure-*).
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(os.tmpdir(), 'dinhdanh-e2e-artifacts');
const STEP_TIMEOUT = 75_000; // one scenario step, including a wait for a new TOTP time step
const ACTION_TIMEOUT = 10_000; // one click, fill or wait in the browser
const SETTLE_TIMEOUT = 30_000; // the gateway's notification settling the fee

// Temporary residence registration at a ward police: fully online, 7,000 đồng, one required
// document (the rental contract). Its pre-filled fields and legal basis are read from the demo
// catalogue in setup.
const PROCEDURE = { code: '1.004194', document: 'rental_contract' };
const PURPOSE = 'public-service-application'; // dinhdanh_services::PREFILL_PURPOSE
const PORTAL = 'dvc.portal'; // dinhdanh_services::PORTAL_CLIENT
const RESULT_TYPE = 'application-result+jwt';

// A ward police officer: an operator, an agency officer, and an officer of the procedure's unit.
const OFFICER = {
  personalId: '079095000001',
  phone: '0987000111',
  msisdn: '+84987000111',
  password: 'Officer-Passw0rd-2024!',
  registrationPoint: 'Công an phường Dịch Vọng Hậu',
};
const CITIZEN = {
  personalId: '001090012345',
  fullName: 'Nguyễn Văn An',
  birthDate: '1990-03-15',
  phone: '0912345678',
  msisdn: '+84912345678',
  password: 'Citizen-Passw0rd-2024!',
  permanentResidence: 'Số 12 phố Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội',
};
const ANSWERS = {
  temporary_address: 'Phòng 402, số 144 Xuân Thủy, Phường Dịch Vọng Hậu, Quận Cầu Giấy, Hà Nội',
  start_date: '2026-09-01',
  duration_months: '12',
};

function person(p) {
  return {
    personal_id: '',
    family_name: '',
    middle_name: '',
    given_name: '',
    birth_date: '',
    sex: '',
    place_of_origin: '',
    permanent_residence: '',
    current_residence: '',
    nationality: 'VN',
    ethnicity: 'Kinh',
    religion: 'Không',
    father_id: '',
    mother_id: '',
    spouse_id: '',
    id_card_number: '',
    id_card_issued: '',
    id_card_expires: '',
    status: 'living',
    death_date: '',
    ...p,
  };
}

const POPULATION = [
  person({
    personal_id: CITIZEN.personalId,
    family_name: 'Nguyễn',
    middle_name: 'Văn',
    given_name: 'An',
    birth_date: CITIZEN.birthDate,
    sex: 'male',
    place_of_origin: 'Xã Thanh Liệt, Huyện Thanh Trì, Hà Nội',
    permanent_residence: CITIZEN.permanentResidence,
    current_residence: CITIZEN.permanentResidence,
    id_card_number: CITIZEN.personalId,
    id_card_issued: '2021-05-10',
    id_card_expires: '2030-03-15',
  }),
  person({
    personal_id: OFFICER.personalId,
    family_name: 'Nguyễn',
    middle_name: 'Văn',
    given_name: 'Anh',
    birth_date: '1995-12-31',
    sex: 'male',
    place_of_origin: 'Xã Tân Thông Hội, Huyện Củ Chi, Thành phố Hồ Chí Minh',
    permanent_residence: 'Số 5 đường Mã Mây, Phường Hàng Buồm, Quận Hoàn Kiếm, Hà Nội',
    current_residence: 'Số 5 đường Mã Mây, Phường Hàng Buồm, Quận Hoàn Kiếm, Hà Nội',
    id_card_number: OFFICER.personalId,
    id_card_issued: '2021-01-04',
    id_card_expires: '2035-12-31',
  }),
];

// ---- shared state ----------------------------------------------------------------------------

const S = {
  tmp: null,
  bin: null,
  server: null,
  base: null, // http://localhost:PORT, the public origin the browser uses
  direct: null, // http://127.0.0.1:PORT, for Node's own requests (localhost may resolve to ::1)
  procedure: null, // the procedure as the demo catalogue has it
  application: null, // {id, code}
  resultPath: null, // /services/results/{id}
  browser: null,
  contexts: {}, // name -> BrowserContext
  pages: {}, // name -> Page
  problems: [], // console errors about CSP, uncaught page errors
  totpSecrets: {}, // account -> base32 secret
  lastTotpStep: {}, // secret -> the last 30-s step a code was used in
  failed: null, // the name of the first failed step: later steps are skipped
  current: null, // the page the running step works on, for failure reports
};

const totpCode = (secret) => nextTotpCode(secret, S.lastTotpStep);

function cleanup() {
  if (S.server) S.server.killNow();
  if (S.tmp && process.env.E2E_KEEP_TMP !== '1') {
    fs.rmSync(S.tmp, { recursive: true, force: true });
  }
}
// Also when the process dies some other way (the test runner's timeout, Ctrl-C).
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

after(async () => {
  if (S.failed || process.exitCode) {
    if (S.server) {
      process.stderr.write(
        `\n--- server output (last lines of ${S.server.logFile}) ---\n${S.server.logTail(80)}\n` +
          '----------------------------------------------------------\n',
      );
    }
    if (S.problems.length) process.stderr.write(`browser problems seen:\n  ${S.problems.join('\n  ')}\n`);
  }
  try {
    if (S.browser) await S.browser.close();
  } finally {
    if (S.server) await S.server.stop();
    if (S.tmp && process.env.E2E_KEEP_TMP === '1') process.stderr.write(`kept ${S.tmp}\n`);
    cleanup();
  }
});

// ---- failure reporting -----------------------------------------------------------------------

function watch(name, page) {
  page.on('pageerror', (e) => S.problems.push(`[${name}] uncaught page error at ${page.url()}: ${e.message}`));
  // The scenario finds elements by id: an id given twice on a page is a fault of that page.
  page.on('load', async () => {
    const twice = await page
      .evaluate(() => {
        const seen = new Set();
        const dup = new Set();
        for (const el of document.querySelectorAll('[id]')) (seen.has(el.id) ? dup : seen).add(el.id);
        return [...dup];
      })
      .catch(() => []); // navigated away already
    if (twice.length) S.problems.push(`[${name}] duplicate id at ${page.url()}: ${twice.join(', ')}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) {
      S.problems.push(`[${name}] CSP at ${page.url()}: ${m.text()}`);
    }
  });
}




// A scenario step: skipped after an earlier failure; a failure names the page and its errors.
function step(name, fn) {
  test(name, { timeout: STEP_TIMEOUT }, async (t) => {
    if (S.failed) {
      t.skip(`an earlier step failed: ${S.failed}`);
      return;
    }
    try {
      await fn(t);
    } catch (e) {
      S.failed = name;
      const page = S.current;
      const where = page && !page.isClosed() ? `\n  at ${await describePage(page)}` : '';
      const evidence = await saveEvidence(page, name);
      const problems = S.problems.length ? `\n  browser problems: ${S.problems.join(' || ')}` : '';
      e.message = `${e.message}${where}${problems}${evidence}`;
      throw e;
    }
  });
}

// ---- page helpers ----------------------------------------------------------------------------



async function goto(page, url, { allowHttpError = false } = {}) {
  S.current = page;
  const res = await page.goto(url);
  if (!allowHttpError && res && res.status() >= 400) {
    throw new Error(`GET ${url} answered HTTP ${res.status()}`);
  }
  return res;
}

// Fills the named fields of a form, submits it and waits for the page that answers. Values:
// string (fill), boolean (checkbox), {radio: value} (the radio button with that value),
// {name, mimeType, buffer} (file). `button`: which submit button, else the form's first one.
async function submitForm(page, formSelector, fields = {}, { button } = {}) {
  S.current = page;
  const form = page.locator(formSelector);
  await form.waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`no ${formSelector} on ${page.url()}`);
  });
  for (const [name, value] of Object.entries(fields)) {
    const input = form.locator(`[name="${name}"]`).first();
    if (!(await input.count())) throw new Error(`${formSelector} has no field named ${name}`);
    if (typeof value === 'boolean') await input.setChecked(value);
    else if (value && typeof value === 'object' && 'radio' in value) {
      const radio = form.locator(`input[type="radio"][name="${name}"][value="${value.radio}"]`);
      if (!(await radio.count())) throw new Error(`${formSelector} has no ${name} choice ${value.radio}`);
      await radio.check();
    } else if (value && typeof value === 'object') await input.setInputFiles(value);
    else await input.fill(value);
  }
  const before = page.url();
  const loaded = page.waitForEvent('load', { timeout: 15_000 });
  const submit = form.locator(button || 'button:not([type]), button[type=submit], input[type=submit]').first();
  if (await submit.count()) {
    await submit.click();
  } else if (button) {
    throw new Error(`${formSelector} has no ${button}`);
  } else {
    await form.evaluate((f) => f.requestSubmit());
  }
  try {
    await loaded;
  } catch {
    const invalid = await form
      .evaluate((f) =>
        [...f.elements].filter((e) => e.willValidate && !e.checkValidity()).map((e) => `${e.name}: ${e.validationMessage}`),
      )
      .catch(() => []);
    throw new Error(
      `submitting ${formSelector} on ${before} did not load a page` +
        (invalid.length ? ` (the browser refused: ${invalid.join('; ')})` : ''),
    );
  }
}



async function textOf(page, selector) {
  const el = page.locator(selector);
  await el.waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`no ${selector} on ${page.url()}`);
  });
  return ((await el.textContent()) || '').trim();
}

// Follows a link and waits for the page it opens.
async function follow(page, selector) {
  S.current = page;
  const link = page.locator(selector);
  await link.waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`no ${selector} on ${page.url()}`);
  });
  const loaded = page.waitForEvent('load', { timeout: 15_000 });
  await link.click();
  await loaded;
}

// The newest code sent by SMS to msisdn, from /demo/outbox; `used`: codes already taken.
async function outboxCode(msisdn, used) {
  const page = S.pages.outbox;
  const deadline = Date.now() + 5_000;
  let body = null;
  for (;;) {
    await goto(page, '/demo/outbox');
    await page.locator('table#outbox').waitFor({ state: 'attached' }).catch(() => {
      throw new Error(`no table#outbox on ${page.url()}`);
    });
    const row = page.locator(`table#outbox tr[data-recipient="${msisdn}"] td.body`).first();
    if (await row.count()) {
      body = (await row.textContent()) || '';
      const codes = body.match(/\b\d{6}\b/g) || [];
      assert.equal(codes.length, 1, `the newest SMS to ${msisdn} should hold exactly one 6-digit code: ${JSON.stringify(body)}`);
      if (!used.has(codes[0])) {
        used.add(codes[0]);
        return codes[0];
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        body === null
          ? `no SMS to ${msisdn} in /demo/outbox`
          : `no new SMS to ${msisdn} in /demo/outbox (newest: ${JSON.stringify(body)})`,
      );
    }
    await sleep(250);
  }
}
const usedSmsCodes = new Set();


async function setPassword(page, password) {
  await submitForm(page, 'form#password', { password, password_confirm: password });
  expectPath(page, ['/account/setup', '/account'], 'after setting the password');
}

async function logout(page) {
  if (pathOf(page) !== '/account') await goto(page, '/account');
  await submitForm(page, 'form#logout');
  expectPath(page, '/login', 'after logging out');
}

async function loginWithPasswordAndTotp(page, personalId, password, secret) {
  await goto(page, '/login');
  await submitForm(page, 'form#login', { personal_id: personalId, password });
  expectPath(page, '/login/second', 'after the password of an account with TOTP');
  await submitForm(page, 'form#second', { code: await totpCode(secret) });
  expectPath(page, '/account', 'after the second factor');
}

// From the portal's redirect to the provider until the provider sends the browser back to the
// portal: the provider's own sign-in (password, and TOTP when the account has it) and its consent
// page when it asks. Returns the provider pages passed through.
async function signInAtProvider(page, { personalId, password, totpSecret }) {
  const passed = [];
  for (let i = 0; i < 8; i++) {
    S.current = page;
    const where = pathOf(page);
    if (where.startsWith('/portal')) return passed;
    passed.push(where);
    if (await page.locator('form#login').count()) {
      await submitForm(page, 'form#login', { personal_id: personalId, password });
    } else if (await page.locator('form#second').count()) {
      assert.ok(totpSecret, `the provider asks for a second factor at ${where}`);
      await submitForm(page, 'form#second', { code: await totpCode(totpSecret) });
    } else if (await page.locator('form#consent').count()) {
      await submitForm(page, 'form#consent', {}, { button: 'button[name="decision"][value="allow"]' });
    } else {
      throw new Error(`an unexpected page on the way through the provider: ${where} (after ${passed.join(' → ')})`);
    }
  }
  throw new Error(`the provider did not send the browser back to the portal (${passed.join(' → ')})`);
}

// The application's status as its portal page gives it (`draft` before filing).
async function portalStatus(page) {
  return attr(page, 'dl#application', 'data-status');
}

// ---- the result document, checked with node:crypto only -------------------------------------

// Verifies a compact JWS signed with ES256 (RFC 7515, RFC 7518 §3.4) against a JWK Set: the key
// is the one the header's `kid` names, the signature is R || S (IEEE P1363) over
// `header.payload`. Returns the header and the claims; throws when anything does not hold.
function verifyResultJws(jws, jwks) {
  const parts = jws.trim().split('.');
  if (parts.length !== 3) throw new Error(`not a compact JWS: ${parts.length} parts`);
  const [h, p, s] = parts;
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
  if (header.alg !== 'ES256') throw new Error(`alg is ${JSON.stringify(header.alg)}, not ES256`);
  if (header.typ !== RESULT_TYPE) throw new Error(`typ is ${JSON.stringify(header.typ)}, not ${RESULT_TYPE}`);
  if (typeof header.kid !== 'string') throw new Error('the header names no key (kid)');
  const jwk = (jwks.keys || []).find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`no key ${header.kid} in the JWK Set`);
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new Error(`key ${header.kid} is not a P-256 key`);
  if (jwk.use && jwk.use !== 'sig') throw new Error(`key ${header.kid} is not for signatures`);
  const key = crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' });
  const signature = Buffer.from(s, 'base64url');
  if (signature.length !== 64) throw new Error(`an ES256 signature is 64 bytes, not ${signature.length}`);
  const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }, signature);
  if (!ok) throw new Error('the signature does not verify');
  return { header, claims: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) };
}

// ---- the scenario ----------------------------------------------------------------------------

// Setup is a step, not a before-hook: a failure here is reported once and the rest is skipped.
step('0. setup: population, demo catalogue, sharing policy for the portal, the officer; server and Chromium', async () => {
  S.bin = binaryPath();
  if (!fs.existsSync(S.bin)) {
    throw new Error(`the binary under test is missing: ${S.bin} (build it first, or set DINHDANH_BIN)`);
  }
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing: ${CHROMIUM} (tests/e2e/run.sh installs it)`);
  }
  // The procedure as the demo catalogue publishes it: the test relies on a fee, full online
  // service, one required document, and registry fields to pre-fill.
  const catalogue = JSON.parse(fs.readFileSync(path.join(REPO, 'crates', 'services', 'demo', 'catalogue.json'), 'utf8'));
  const procedure = catalogue.procedures.find((p) => p.code === PROCEDURE.code);
  assert.ok(procedure, `${PROCEDURE.code} is in the demo catalogue`);
  assert.ok(procedure.fee_vnd > 0, `${PROCEDURE.code} has a fee`);
  assert.equal(procedure.level, 'full');
  assert.ok(procedure.channels.includes('online'));
  assert.ok(procedure.documents.some((d) => d.id === PROCEDURE.document && d.required && d.types.includes('application/pdf')));
  assert.equal(procedure.prefill?.service, 'population');
  const required = procedure.form.filter((f) => f.required).map((f) => f.id).sort();
  assert.deepEqual(required, Object.keys(ANSWERS).sort(), `the answers cover the required fields of ${PROCEDURE.code}`);
  S.procedure = procedure;

  S.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinhdanh-e2e-'));
  const dataDir = path.join(S.tmp, 'data');
  const population = path.join(S.tmp, 'population.jsonl');
  fs.writeFileSync(population, POPULATION.map((p) => JSON.stringify(p)).join('\n') + '\n');
  const cli = (args) => runCli(S.bin, ['--data-dir', dataDir, ...args], { cwd: S.tmp });

  cli(['registry', 'import', population]);
  cli(['services', 'import-demo']);
  // The portal reads for drafts exactly the fields the procedure pre-fills, under its legal
  // basis, for the purpose of an application (as `dinhdanh demo` builds its rules).
  const policyFile = path.join(S.tmp, 'policy.json');
  fs.writeFileSync(policyFile, JSON.stringify({
    rules: [{
      id: `portal-${procedure.prefill.service}-${procedure.prefill.legal_basis}`,
      agency: PORTAL,
      service: procedure.prefill.service,
      fields: procedure.prefill.fields,
      purposes: [PURPOSE],
      basis: { law: procedure.prefill.legal_basis },
      min_security_level: 3,
    }],
  }));
  cli(['exchange', 'set-policy', policyFile, '--note', 'the public-service portal pre-fills applications']);
  cli([
    'accounts', 'bootstrap',
    '--personal-id', OFFICER.personalId,
    '--phone', OFFICER.phone,
    '--role', 'operator',
    '--registration-point', OFFICER.registrationPoint,
  ]);
  cli(['accounts', 'grant', '--personal-id', OFFICER.personalId, '--role', 'agency_officer']);
  cli(['services', 'add-officer', OFFICER.personalId, procedure.agency.unit]);

  const port = await freePort();
  S.base = `http://localhost:${port}`;
  S.server = new Server(
    S.bin,
    ['--data-dir', dataDir, 'serve', '--listen', `127.0.0.1:${port}`, '--public-url', S.base, '--demo-outbox'],
    { cwd: S.tmp, logFile: path.join(S.tmp, 'server.log') },
  );
  S.direct = `http://127.0.0.1:${port}`;
  await S.server.waitReady(S.direct, 30_000);

  S.browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  for (const name of ['officer', 'citizen', 'outbox']) {
    const context = await S.browser.newContext({ baseURL: S.base, locale: 'en-US', acceptDownloads: true });
    context.setDefaultTimeout(ACTION_TIMEOUT);
    context.setDefaultNavigationTimeout(15_000);
    const page = await context.newPage();
    watch(name, page);
    S.contexts[name] = context;
    S.pages[name] = page;
    S.current = page;
    // English, through the cookie the server sets; nothing below depends on visible texts anyway.
    await goto(page, '/?lang=en');
  }
});

step('1. the officer activates the bootstrapped account, sets a password and enrols TOTP', async () => {
  const page = S.pages.officer;
  const code = await outboxCode(OFFICER.msisdn, usedSmsCodes);
  await goto(page, '/activate');
  await submitForm(page, 'form#activate', { personal_id: OFFICER.personalId, code });
  expectPath(page, '/account/setup', 'after activation');
  await setPassword(page, OFFICER.password);
  if (pathOf(page) === '/account/setup' && (await page.locator('a#setup-totp').count())) {
    await follow(page, 'a#setup-totp');
  } else {
    await goto(page, '/account/totp');
  }
  expectPath(page, '/account/totp', 'the TOTP enrolment page');
  const raw = await textOf(page, '#totp-secret');
  const secret = raw.replace(/[\s-]/g, '').toUpperCase();
  assert.match(secret, /^[A-Z2-7]+=*$/, `#totp-secret is not base32: ${JSON.stringify(raw)}`);
  S.totpSecrets.officer = secret;
  const fields = { code: await totpCode(secret) };
  if (await page.locator('form#totp [name="label"]').count()) fields.label = 'Authenticator app';
  await submitForm(page, 'form#totp', fields);
  expectPath(page, '/account', 'after enrolling TOTP');
  await logout(page);
});

step('2. the citizen registers at level 1 (SMS check, portrait, password) and signs out of the provider', async () => {
  const page = S.pages.citizen;
  await goto(page, '/register');
  await submitForm(page, 'form#register', {
    personal_id: CITIZEN.personalId,
    full_name: CITIZEN.fullName,
    birth_date: CITIZEN.birthDate,
    phone: CITIZEN.phone,
  });
  await page.locator('form#verify').waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`no form#verify after registering (at ${page.url()})`);
  });
  const code = await outboxCode(CITIZEN.msisdn, usedSmsCodes);
  S.current = page;
  await submitForm(page, 'form#verify', { code });
  expectPath(page, '/account/setup', 'after verifying the phone');
  await submitForm(page, 'form#portrait', {
    portrait: { name: 'portrait.png', mimeType: 'image/png', buffer: portraitPng(300, 400) },
  });
  expectPath(page, ['/account/setup', '/account'], 'after uploading the portrait');
  if (pathOf(page) !== '/account/setup') await goto(page, '/account/setup');
  await setPassword(page, CITIZEN.password);
  // Signed out, so that the portal's sign-in goes through the provider's own pages.
  await logout(page);
});

step('3. the citizen finds the procedure, applies, signs in through the provider and lands on a pre-filled draft', async () => {
  const page = S.pages.citizen;
  const { code } = S.procedure;
  await goto(page, '/portal');
  const listed = page.locator(`article.procedure[data-code="${code}"]`);
  assert.equal(await listed.getAttribute('data-level'), 'full', `the catalogue lists ${code} as fully online`);
  await follow(page, `article.procedure[data-code="${code}"] h2 a`);
  expectPath(page, `/portal/procedures/${code}`, 'after choosing the procedure');
  await expectAttr(page, 'dl#procedure', 'data-code', code);
  assert.ok(await page.locator(`#procedure-documents li[data-document="${PROCEDURE.document}"]`).count(), 'the page lists the document to upload');
  assert.ok(await page.locator('#procedure-prefill').count(), 'the page says what the registry pre-fills');

  await submitForm(page, 'form#apply');
  const passed = await signInAtProvider(page, { personalId: CITIZEN.personalId, password: CITIZEN.password });
  assert.ok(passed.includes('/login'), `the citizen signed in on the provider's page (${passed.join(' → ')})`);
  expectPath(page, /^\/portal\/applications\/[^/]+$/, 'after signing in to apply');
  assert.ok(await page.locator('#portal-logout').count(), 'the portal has its own session');
  assert.equal(await portalStatus(page), 'draft');
  S.application = { id: await attr(page, 'dl#application', 'data-id') };
  expectPath(page, `/portal/applications/${S.application.id}`, 'the draft');

  // What the registry gave, read under the procedure's legal basis: every field the procedure
  // pre-fills, each with the ledger entry of the read, none withheld.
  for (const field of S.procedure.prefill.fields) {
    const entry = await attr(page, `#prefilled dd[data-field="${field}"]`, 'data-entry');
    assert.match(entry, /^\d+$/, `${field} carries the ledger entry of the read`);
  }
  assert.equal(await page.locator('#withheld').count(), 0, 'nothing is withheld');
  assert.equal(await textOf(page, '#prefilled dd[data-field="full_name"]'), CITIZEN.fullName);
  assert.equal(await textOf(page, '#prefilled dd[data-field="birth_date"]'), CITIZEN.birthDate);
  assert.equal(await textOf(page, '#prefilled dd[data-field="permanent_residence"]'), CITIZEN.permanentResidence);
  // Not yet complete: the required fields and the document are still missing.
  assert.ok((await page.locator('#missing li').count()) >= 1, 'the page lists what is missing');
});

step('4. the citizen fills the form, uploads a PDF and files the application', async () => {
  const page = S.pages.citizen;
  const here = `/portal/applications/${S.application.id}`;
  await submitForm(page, 'form#answers', ANSWERS);
  expectPath(page, here, 'after saving the answers');
  for (const [field, value] of Object.entries(ANSWERS)) {
    assert.equal(await page.locator(`form#answers [name="${field}"]`).inputValue(), value, `${field} is kept`);
  }

  const pdf = onePagePdf('Hop dong thue nha - dinhdanh e2e');
  fs.writeFileSync(path.join(S.tmp, 'hop-dong-thue.pdf'), pdf);
  const document = `#documents article.document[data-document="${PROCEDURE.document}"]`;
  await expectAttr(page, document, 'data-uploaded', 'false');
  await submitForm(page, `${document} form.upload`, {
    file: { name: 'hop-dong-thue.pdf', mimeType: 'application/pdf', buffer: pdf },
  });
  expectPath(page, here, 'after the upload');
  await expectAttr(page, document, 'data-uploaded', 'true');
  // The file as stored is the file as given.
  const href = await page.locator(`${document} p.uploaded a`).getAttribute('href');
  const stored = await page.request.get(href);
  assert.equal(stored.status(), 200, `GET ${href}`);
  assert.ok(Buffer.from(await stored.body()).equals(pdf), 'the stored document has the uploaded bytes');
  assert.equal(await page.locator('#missing').count(), 0, 'nothing is missing any more');

  await submitForm(page, 'form#file-form');
  expectPath(page, here, 'after filing');
  assert.equal(await portalStatus(page), 'new');
  const code = await textOf(page, '#application-code');
  const unit = S.procedure.agency.unit.replace(/\./g, '\\.');
  assert.match(code, new RegExp(`^${unit}-\\d{6}-\\d{4}$`), 'the code of Circular 01/2018 Art 19');
  S.application.code = code;
  assert.ok(await page.locator('ol#history li[data-step="file"][data-actor="applicant"]').count(), 'the history has the filing');
});

step('5. the officer signs in (password + TOTP), accepts the application, processes it and asks for the fee', async () => {
  const page = S.pages.officer;
  const { id, code } = S.application;
  await loginWithPasswordAndTotp(page, OFFICER.personalId, OFFICER.password, S.totpSecrets.officer);
  await goto(page, '/officer/applications');
  const row = `table#queue tr[data-id="${id}"]`;
  await expectAttr(page, row, 'data-code', code);
  await expectAttr(page, row, 'data-status', 'new');
  await follow(page, `${row} a`);
  const here = `/officer/applications/${id}`;
  expectPath(page, here, 'the application in the officer console');
  await expectAttr(page, 'dl#application', 'data-status', 'new');
  assert.ok(await page.locator('#prefilled tr[data-field="full_name"][data-source="registry"]').count(), 'the officer sees what the registry gave');
  assert.ok(await page.locator(`#documents tr[data-document="${PROCEDURE.document}"]`).count(), 'the officer sees the document');

  for (const [move, status] of [
    ['accept', 'accepted'],
    ['start_processing', 'processing'],
    ['request_payment', 'payment_requested'],
  ]) {
    await submitForm(page, `form#move-${move}`);
    expectPath(page, here, `after ${move}`);
    await expectAttr(page, 'dl#application', 'data-status', status);
  }
});

step('6. the citizen pays the fee at the sandbox gateway; its notification puts the application back in processing', async () => {
  const page = S.pages.citizen;
  const here = `/portal/applications/${S.application.id}`;
  await goto(page, here);
  assert.equal(await portalStatus(page), 'payment_requested');
  await submitForm(page, 'form#pay-form');
  expectPath(page, '/paymentv2/vpcpay.html', 'after "pay the fee"');
  const asked = new URL(page.url()).searchParams;
  assert.equal(asked.get('vnp_Amount'), String(S.procedure.fee_vnd * 100), 'the gateway is asked for the fee (in hundredths)');
  await submitForm(page, `form:has(input[name="vnp_TxnRef"])`, {}, { button: 'button[name="action"][value="pay"]' });
  expectPath(page, '/portal/payments/return', 'after paying at the gateway');
  const shown = await attr(page, '#payment-result', 'data-result');
  assert.ok(['paid', 'confirming'].includes(shown), `the return page shows the payment as paid or being confirmed: ${shown}`);

  // Only the gateway's notification settles the fee: wait for it on the application page.
  const deadline = Date.now() + SETTLE_TIMEOUT;
  let status = null;
  for (;;) {
    await goto(page, here);
    status = await portalStatus(page);
    if (status === 'processing') break;
    if (Date.now() > deadline) throw new Error(`the application is still ${status} ${SETTLE_TIMEOUT / 1000} s after paying`);
    await sleep(500);
  }
  assert.ok(await page.locator('ol#history li[data-step="paid"][data-actor="system"][data-to="processing"]').count(), 'the history has the platform\'s paid event');
  assert.ok(await page.locator('table#payments tr[data-state="paid"]').count(), 'the payment is listed as paid');
  assert.equal(await page.locator('form#pay-form').count(), 0, 'no second payment is offered');
});

step('7. the officer approves and returns the result electronically', async () => {
  const page = S.pages.officer;
  const here = `/officer/applications/${S.application.id}`;
  await goto(page, here);
  await expectAttr(page, 'dl#application', 'data-status', 'processing');
  assert.ok(await page.locator('ol#history li[data-step="paid"][data-actor="system"]').count(), 'the officer sees the payment');
  await submitForm(page, 'form#move-decide', { outcome: { radio: 'approved' } });
  expectPath(page, here, 'after deciding');
  await expectAttr(page, 'dl#application', 'data-status', 'processed');
  await submitForm(page, 'form#move-return_result', { electronic: { radio: 'electronic' } });
  expectPath(page, here, 'after returning the result');
  await expectAttr(page, 'dl#application', 'data-status', 'result_returned');
  assert.ok(await page.locator('#no-moves').count(), 'nothing is left to do');
});

step('8. the citizen opens the application, follows the link to the result, sees a valid signature and downloads it', async () => {
  const page = S.pages.citizen;
  await goto(page, `/portal/applications/${S.application.id}`);
  assert.equal(await portalStatus(page), 'result_returned');
  assert.ok(await page.locator('#application-outcome').count(), 'the decision is shown');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'portal-application.png'), fullPage: true });

  await follow(page, 'a#result-link');
  expectPath(page, /^\/services\/results\/[^/]+$/, 'after following the link to the result');
  S.resultPath = pathOf(page);
  await expectAttr(page, '#signature', 'data-valid', 'true');
  await page.screenshot({ path: path.join(ARTIFACTS, 'result-page.png'), fullPage: true });
  process.stderr.write(`screenshots: ${ARTIFACTS}/portal-application.png, ${ARTIFACTS}/result-page.png\n`);

  const link = page.locator('a#result-download');
  assert.equal(await link.getAttribute('href'), `${S.resultPath}/document.jwt`);
  const downloading = page.waitForEvent('download');
  await link.click();
  const download = await downloading;
  assert.equal(download.suggestedFilename(), `result-${S.resultPath.split('/').pop()}.jwt`);
  await download.saveAs(path.join(S.tmp, 'result.jwt'));
  expectPath(page, S.resultPath, 'a download leaves the page where it is');
});

step('9. the downloaded result verifies with `dinhdanh services verify-result` and in Node.js with node:crypto only', async () => {
  const jws = fs.readFileSync(path.join(S.tmp, 'result.jwt'), 'utf8');
  const keys = await fetch(`${S.direct}/jwks`);
  assert.equal(keys.status, 200, 'GET /jwks');
  const jwks = await keys.json();
  const jwksFile = path.join(S.tmp, 'jwks.json');
  fs.writeFileSync(jwksFile, JSON.stringify(jwks));

  // The command line, offline, against the published keys.
  const cli = runCli(S.bin, ['services', 'verify-result', path.join(S.tmp, 'result.jwt'), '--jwks', jwksFile], { cwd: S.tmp });
  const cliClaims = JSON.parse(cli.stdout);

  // Independently: the JWS checked here from the specifications.
  const { header, claims } = verifyResultJws(jws, jwks);
  assert.match(cli.stderr, new RegExp(`\\(key ${header.kid}\\)`), cli.stderr);
  assert.deepEqual(claims, cliClaims, 'both verifiers read the same document');
  assert.equal(claims.iss, S.base);
  assert.equal(claims.holder.personal_id, CITIZEN.personalId);
  assert.equal(claims.holder.full_name, CITIZEN.fullName);
  assert.equal(claims.application.code, S.application.code);
  assert.equal(claims.procedure.code, S.procedure.code);
  assert.equal(claims.agency.unit, S.procedure.agency.unit);
  assert.equal(claims.outcome, 'approved');
  assert.deepEqual(claims.answers, ANSWERS);
  assert.equal(claims.verify_at, `${S.base}${S.resultPath}`, 'the document names the page that checks it');

  // The check is not vacuous: a changed claim, a changed signature or another key is refused.
  const [h, p, s] = jws.trim().split('.');
  const altered = Buffer.from(JSON.stringify({ ...claims, outcome: 'refused' })).toString('base64url');
  assert.throws(() => verifyResultJws(`${h}.${altered}.${s}`, jwks), /does not verify/);
  const signature = Buffer.from(s, 'base64url');
  signature[10] ^= 1;
  assert.throws(() => verifyResultJws(`${h}.${p}.${signature.toString('base64url')}`, jwks), /does not verify/);
  const stranger = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  assert.throws(() => verifyResultJws(jws, { keys: [{ ...stranger, kid: header.kid, use: 'sig', alg: 'ES256' }] }), /does not verify/);
});

step('10. no script was blocked by the CSP, no page threw, no page gave an id twice', async () => {
  S.current = null;
  const blocking = S.problems.filter((p) => /uncaught page error|script-src|connect-src|default-src|duplicate id/.test(p));
  assert.deepEqual(blocking, [], 'the pages must run under their CSP without errors, each id once');
});
