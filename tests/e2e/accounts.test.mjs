// End-to-end test of the e-ID account pages in a real headless Chromium.
//
// Run with tests/e2e/run.sh (it installs Chromium and the npm packages when missing), or
// `node --test tests/e2e/accounts.test.mjs` once they are there. The binary under test is
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
import { describePage, expectAttr, expectPath, pathOf, saveEvidence, totpCode as nextTotpCode } from './pages.mjs';
import { verifyBundle } from './ledger-verify.mjs';
import { binaryPath, freePort, portraitPng, runCli, Server, sleep } from './support.mjs';

const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
// Screenshots kept after a successful run (failures go to /tmp/dinhdanh-e2e-failure-*).
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(os.tmpdir(), 'dinhdanh-e2e-artifacts');
const STEP_TIMEOUT = 75_000; // one scenario step, including a wait for a new TOTP time step
const ACTION_TIMEOUT = 10_000; // one click, fill or wait in the browser

const OFFICER = {
  personalId: '079095000001',
  phone: '0987000111',
  msisdn: '+84987000111',
  password: 'Officer-Passw0rd-2024!',
  registrationPoint: 'Công an phường Hàng Bạc',
};
// A social-insurance agency whose level-3 system reads through the exchange (step 8).
const AGENCY = {
  id: 'bhxh.gov.vn',
  purpose: 'social-insurance-enrolment',
  basis: 'social-insurance-law-41-2024',
};
const CITIZEN = {
  personalId: '001090012345',
  fullName: 'Nguyễn Văn An',
  birthDate: '1990-03-15',
  phone: '0912345678',
  msisdn: '+84912345678',
  password: 'Citizen-Passw0rd-2024!',
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
    permanent_residence: 'Số 12 phố Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội',
    current_residence: 'Số 12 phố Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội',
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
  base: null,
  direct: null, // http://127.0.0.1:PORT, for Node's own requests (localhost may resolve to ::1)
  access: null, // the entry the access page listed in step 6: {index, actor, href}
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
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) {
      S.problems.push(`[${name}] CSP at ${page.url()}: ${m.text()}`);
    } else if (m.type() === 'warning' && /^passkey:/.test(m.text())) {
      S.problems.push(`[${name}] ${m.text()}`);
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

// Fills the named fields of a form, submits it with its submit button and waits for the page that
// answers. Values: string (fill), boolean (checkbox), {name, mimeType, buffer} (file).
async function submitForm(page, formSelector, fields = {}) {
  S.current = page;
  const form = page.locator(formSelector);
  await form.waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`no ${formSelector} on ${page.url()}`);
  });
  for (const [name, value] of Object.entries(fields)) {
    const input = form.locator(`[name="${name}"]`).first();
    if (!(await input.count())) throw new Error(`${formSelector} has no field named ${name}`);
    if (typeof value === 'boolean') await input.setChecked(value);
    else if (value && typeof value === 'object') await input.setInputFiles(value);
    else await input.fill(value);
  }
  const before = page.url();
  const loaded = page.waitForEvent('load', { timeout: 15_000 });
  const submit = form.locator('button:not([type]), button[type=submit], input[type=submit]').first();
  if (await submit.count()) {
    await submit.click();
  } else {
    await form.evaluate((f) => f.requestSubmit());
  }
  try {
    await loaded;
  } catch {
    const invalid = await form.evaluate((f) =>
      [...f.elements].filter((e) => e.willValidate && !e.checkValidity()).map((e) => `${e.name}: ${e.validationMessage}`),
    );
    throw new Error(
      `submitting ${formSelector} on ${before} did not load a page` +
        (invalid.length ? ` (the browser refused: ${invalid.join('; ')})` : ''),
    );
  }
}



async function methods(page) {
  return page.$$eval('table#authenticators tr[data-method]', (rows) => rows.map((r) => r.getAttribute('data-method')));
}

// The newest code sent by SMS to msisdn, from /demo/outbox. `notBefore`: codes already used.
async function outboxCode(msisdn, used = new Set()) {
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


async function enrolTotp(page, who) {
  expectPath(page, '/account/totp', 'the TOTP enrolment page');
  const raw = await page.locator('#totp-secret').textContent().catch(() => {
    throw new Error(`no #totp-secret on ${page.url()}`);
  });
  const secret = (raw || '').replace(/[\s-]/g, '').toUpperCase();
  assert.match(secret, /^[A-Z2-7]+=*$/, `#totp-secret is not base32: ${JSON.stringify(raw)}`);
  S.totpSecrets[who] = secret;
  const fields = { code: await totpCode(secret) };
  if (await page.locator('form#totp [name="label"]').count()) fields.label = 'Authenticator app';
  await submitForm(page, 'form#totp', fields);
  expectPath(page, '/account', 'after enrolling TOTP');
  assert.ok((await methods(page)).includes('totp'), 'table#authenticators has a totp row after enrolment');
}

async function setPassword(page, password) {
  await submitForm(page, 'form#password', { password, password_confirm: password });
  expectPath(page, ['/account/setup', '/account'], 'after setting the password');
}

// From /account/setup (or wherever setPassword left us) to /account/totp.
async function openTotpSetup(page) {
  if (pathOf(page) === '/account/setup' && (await page.locator('a#setup-totp').count())) {
    const loaded = page.waitForEvent('load');
    await page.locator('a#setup-totp').click();
    await loaded;
  } else {
    await goto(page, '/account/totp');
  }
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

// Clicks a [data-passkey] button (once passkey.js has wired it) and waits for `success` to appear
// or for the script to show an error.
async function passkeyCeremony(page, buttonSelector, success) {
  S.current = page;
  await page.locator(`${buttonSelector}[data-passkey-ready="true"]`).waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`${buttonSelector} is missing or /static/passkey.js did not wire it (no data-passkey-ready)`);
  });
  const errorSelector = (await page.locator(buttonSelector).getAttribute('data-error')) || '#passkey-error';
  await page.locator(buttonSelector).click();
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (await success()) return;
    const shown = await page
      .evaluate((sel) => {
        const el = document.querySelector(sel);
        return el && !el.hidden && el.getAttribute('role') === 'alert' ? el.textContent : null;
      }, errorSelector)
      .catch(() => null); // navigating
    if (shown) throw new Error(`the passkey ceremony failed; ${errorSelector} says: ${shown}`);
    if (Date.now() > deadline) throw new Error(`the passkey ceremony from ${buttonSelector} did not finish in 15 s`);
    await sleep(100);
  }
}

async function atAccount(page) {
  try {
    return pathOf(page) === '/account' && (await page.locator('#level').count()) > 0;
  } catch {
    return false;
  }
}

async function passkeyLogin(page) {
  await goto(page, '/login');
  await passkeyCeremony(page, 'button#passkey-login', () => atAccount(page));
  await page.waitForLoadState('load');
  expectPath(page, '/account', 'after logging in with the passkey');
}

// ---- the scenario ----------------------------------------------------------------------------

// Setup is a step, not a before-hook: a failure here is reported once and the rest is skipped.
step('0. setup: import the population, bootstrap the officer, start the server and Chromium', async () => {
  S.bin = binaryPath();
  if (!fs.existsSync(S.bin)) {
    throw new Error(`the binary under test is missing: ${S.bin} (build it first, or set DINHDANH_BIN)`);
  }
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing: ${CHROMIUM} (tests/e2e/run.sh installs it)`);
  }
  S.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinhdanh-e2e-'));
  const dataDir = path.join(S.tmp, 'data');
  const population = path.join(S.tmp, 'population.jsonl');
  fs.writeFileSync(population, POPULATION.map((p) => JSON.stringify(p)).join('\n') + '\n');
  const cli = (args) => runCli(S.bin, ['--data-dir', dataDir, ...args], { cwd: S.tmp });

  cli(['registry', 'import', population]);
  cli([
    'accounts', 'bootstrap',
    '--personal-id', OFFICER.personalId,
    '--phone', OFFICER.phone,
    '--role', 'enrolment_officer',
    '--registration-point', OFFICER.registrationPoint,
  ]);
  // The officer also reads records through the registry API (step 6), which needs this role.
  cli(['accounts', 'grant', '--personal-id', OFFICER.personalId, '--role', 'agency_officer']);
  // The agency, registered as an OpenID client, and a policy that lets it read names and dates of
  // birth under the social insurance law (step 8).
  const agencyFile = path.join(S.tmp, 'agency.json');
  fs.writeFileSync(agencyFile, JSON.stringify({
    client_id: AGENCY.id,
    name: { vi: 'Bảo hiểm xã hội Việt Nam', en: 'Vietnam Social Security' },
    purpose: { vi: 'Đăng ký tham gia bảo hiểm xã hội', en: 'Social insurance enrolment' },
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scopes: ['exchange.read'],
    grant_types: ['client_credentials'],
    security_level: 3,
  }));
  S.agencySecret = JSON.parse(cli(['clients', 'add', '--file', agencyFile]).stdout).client_secret;
  assert.ok(S.agencySecret, 'the agency got a client secret');
  const policyFile = path.join(S.tmp, 'policy.json');
  fs.writeFileSync(policyFile, JSON.stringify({
    rules: [{
      id: 'bhxh-enrolment', agency: AGENCY.id, service: 'population',
      fields: ['full_name', 'birth_date', 'permanent_residence'], purposes: [AGENCY.purpose],
      basis: { law: AGENCY.basis }, min_security_level: 3,
    }],
  }));
  cli(['exchange', 'set-policy', policyFile, '--note', 'social insurance enrolment']);

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
    const context = await S.browser.newContext({ baseURL: S.base, locale: 'en-US' });
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

step('1. officer activates the bootstrapped account, sets a password, enrols TOTP, logs out', async () => {
  const page = S.pages.officer;
  const code = await outboxCode(OFFICER.msisdn, usedSmsCodes);
  await goto(page, '/activate');
  await submitForm(page, 'form#activate', { personal_id: OFFICER.personalId, code });
  expectPath(page, '/account/setup', 'after activation');
  await setPassword(page, OFFICER.password);
  await openTotpSetup(page);
  await enrolTotp(page, 'officer');
  await logout(page);
});

step('2. citizen registers at level 1, verifies the phone, sets up the account, logs in with password + TOTP', async () => {
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
  await openTotpSetup(page);
  await enrolTotp(page, 'citizen');

  await expectAttr(page, '#level', 'data-level', '1');
  const m = await methods(page);
  assert.ok(m.includes('password'), `table#authenticators should list the password: ${m}`);
  await logout(page);

  await loginWithPasswordAndTotp(page, CITIZEN.personalId, CITIZEN.password, S.totpSecrets.citizen);
  await expectAttr(page, '#level', 'data-level', '1');
  await expectAttr(page, '#assurance', 'data-assurance', 'low');
});

step('3. citizen registers a passkey (virtual authenticator), logs out, logs in with it', async () => {
  const page = S.pages.citizen;
  const cdp = await S.contexts.citizen.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  S.cdp = cdp; // keeps the session (and so the authenticator) alive

  if (pathOf(page) !== '/account') await goto(page, '/account');
  await page.locator('#passkey-label').fill('Laptop');
  await passkeyCeremony(page, 'button#passkey-register', async () => {
    try {
      return (await page.locator('table#authenticators tr[data-method="passkey"]').count()) > 0;
    } catch {
      return false;
    }
  });
  await page.waitForLoadState('load');
  expectPath(page, '/account', 'after registering the passkey');

  await logout(page);
  await passkeyLogin(page);
  await expectAttr(page, '#level', 'data-level', '1');
  await expectAttr(page, '#assurance', 'data-assurance', 'low');
});

step('4. officer logs in (password + TOTP) and enrols the citizen at level 2', async () => {
  const page = S.pages.officer;
  await loginWithPasswordAndTotp(page, OFFICER.personalId, OFFICER.password, S.totpSecrets.officer);
  await goto(page, '/officer');
  await submitForm(page, 'form#find', { personal_id: CITIZEN.personalId });
  await page.locator('form#enrol').waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`no form#enrol after finding ${CITIZEN.personalId} (at ${page.url()})`);
  });
  await submitForm(page, 'form#enrol', {
    registration_point: OFFICER.registrationPoint,
    card_checked: true,
    fingerprints_checked: true,
  });
  await expectAttr(page, '#account-level', 'data-level', '2');
  await logout(page);
});

step('5. citizen logs in with the passkey: level 2, assurance high', async () => {
  const page = S.pages.citizen;
  await goto(page, '/account', { allowHttpError: true });
  if (await atAccount(page)) await logout(page); // still signed in from step 3
  await passkeyLogin(page);
  await expectAttr(page, '#level', 'data-level', '2');
  await expectAttr(page, '#assurance', 'data-assurance', 'high');
});

step('6. officer reads the citizen\'s record through the registry API; the citizen\'s access page lists that read', async () => {
  const officer = S.pages.officer;
  await loginWithPasswordAndTotp(officer, OFFICER.personalId, OFFICER.password, S.totpSecrets.officer);
  const session = (await S.contexts.officer.cookies(S.base)).find((c) => c.name === 'dd_session');
  assert.ok(session, 'the officer\'s browser holds a dd_session cookie after signing in');
  const read = await fetch(`${S.direct}/api/v1/registry/persons/${CITIZEN.personalId}`, {
    headers: { authorization: `Bearer ${session.value}` },
  });
  const record = await read.json();
  assert.equal(read.status, 200, `the officer's read of the record: ${JSON.stringify(record)}`);
  assert.equal(record.personal_id, CITIZEN.personalId);

  const page = S.pages.citizen;
  await goto(page, '/account');
  assert.ok(await atAccount(page), `the citizen is still signed in (at ${page.url()})`);
  const loaded = page.waitForEvent('load');
  await page.locator('a#access-link').click();
  await loaded;
  expectPath(page, '/account/access', 'after following the dashboard\'s access link');
  const newest = page.locator('#access article.access-entry').first();
  await newest.waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`no entry on ${page.url()} after the officer read the record`);
  });
  assert.equal(await newest.getAttribute('data-kind'), 'record.viewed', 'the newest entry is the officer\'s read');
  assert.equal(await newest.getAttribute('data-actor-type'), 'officer');
  const index = await newest.getAttribute('data-index');
  assert.match(index, /^\d+$/);
  const href = await newest.locator('a.proof').getAttribute('href');
  assert.equal(href, `/api/v1/ledger/entries/${index}/bundle`, 'the proof link of the newest entry');
  S.access = { index: Number(index), actor: await newest.getAttribute('data-actor'), href };

  // The filter by that actor keeps exactly this one among the officer's entries (no others yet).
  await page.locator('form#access-filter select[name="actor"]').selectOption(S.access.actor);
  await submitForm(page, 'form#access-filter');
  expectPath(page, '/account/access', 'after filtering by the officer');
  const kinds = await page.$$eval('#access article.access-entry', (rows) =>
    rows.map((r) => [r.getAttribute('data-actor'), r.getAttribute('data-kind')]),
  );
  assert.ok(kinds.length >= 1 && kinds.every(([a]) => a === S.access.actor), `only the officer's entries: ${JSON.stringify(kinds)}`);

  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await goto(page, '/account/access?lang=vi');
  await page.screenshot({ path: path.join(ARTIFACTS, 'access-page-vi.png'), fullPage: true });
  await goto(page, '/account/access?lang=en');
  await page.screenshot({ path: path.join(ARTIFACTS, 'access-page-en.png'), fullPage: true });
  process.stderr.write(`access page screenshots: ${ARTIFACTS}/access-page-{vi,en}.png\n`);
});

step('7. the citizen follows the proof link; the bundle verifies in Node.js with node:crypto only', async () => {
  const page = S.pages.citizen;
  expectPath(page, '/account/access', 'on the access page');
  const link = page.locator(`#access article.access-entry[data-index="${S.access.index}"] a.proof`);
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === S.access.href);
  await link.click();
  const response = await answered;
  assert.equal(response.status(), 200, `GET ${S.access.href}`);
  await page.waitForLoadState('load');
  expectPath(page, S.access.href, 'after following the proof link');
  const raw = await response.body(); // the file as a citizen would save it
  const bundle = JSON.parse(raw.toString('utf8'));
  assert.equal(bundle.index, S.access.index);

  // The keys as published, and as the page shows them for the command line.
  const keysResponse = await fetch(`${S.direct}/ledger/keys`);
  assert.equal(keysResponse.status, 200);
  const vkeys = (await keysResponse.text()).split('\n').filter(Boolean);
  assert.equal(vkeys.length, 2, `two verifier keys at /ledger/keys: ${JSON.stringify(vkeys)}`);
  await page.goBack();
  expectPath(page, '/account/access', 'back on the access page');
  const shownKey = ((await page.locator('#ledger-key').textContent()) || '').trim();
  assert.equal(shownKey, vkeys[0], 'the page shows the published note-signature key');

  // The command the page gives works as written, on the file as downloaded.
  const command = ((await page.locator('#verify-command').textContent()) || '').trim();
  assert.equal(command, `dinhdanh ledger verify --bundle entry-N.json --key '${vkeys[0]}'`);
  const file = path.join(S.tmp, `entry-${bundle.index}.json`);
  fs.writeFileSync(file, raw);
  const cli = runCli(S.bin, ['ledger', 'verify', '--bundle', file, '--key', vkeys[0]], { cwd: S.tmp });
  assert.match(cli.stdout, new RegExp(`^ok: entry ${bundle.index} is in the log of \\d+ entries`), cli.stdout);

  const proved = verifyBundle(bundle, vkeys);
  assert.ok(proved.checkpoint.size > BigInt(bundle.index), 'the checkpoint covers the entry');
  assert.ok(proved.time && Math.abs(proved.time - Date.now() / 1000) < 600, `the cosigned time is now: ${proved.time}`);
  assert.equal(proved.entry.kind, 'record.viewed');
  assert.deepEqual(proved.entry.actor, { type: 'officer', id: S.access.actor });
  assert.equal(proved.entry.service, 'population');
  assert.ok(!Buffer.from(bundle.entry, 'base64').toString().includes(CITIZEN.personalId), 'the entry does not carry the personal ID');

  // The check is not vacuous: any changed byte, hash or signature is refused.
  const entry = Buffer.from(bundle.entry, 'base64');
  entry[entry.length - 3] ^= 1;
  assert.throws(() => verifyBundle({ ...bundle, entry: entry.toString('base64') }, vkeys), /does not lead to the signed root/);
  if (bundle.proof.length) {
    const hash = Buffer.from(bundle.proof[0], 'base64');
    hash[0] ^= 0x80;
    const proof = [hash.toString('base64'), ...bundle.proof.slice(1)];
    assert.throws(() => verifyBundle({ ...bundle, proof }, vkeys), /does not lead to the signed root/);
  }
  assert.throws(() => verifyBundle({ ...bundle, index: bundle.index + 1 }, vkeys));
  const forged = bundle.checkpoint.replace(/\n(\d+)\n/, (_, n) => `\n${BigInt(n) + 1n}\n`);
  assert.throws(() => verifyBundle({ ...bundle, checkpoint: forged }, vkeys), /no valid signature/);
  const stranger = crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const name = vkeys[0].split('+')[0];
  const strangerKey = Buffer.concat([Buffer.from([0x01]), Buffer.from(stranger.x, 'base64url')]);
  const strangerId = crypto
    .createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${name}\n`), strangerKey]))
    .digest()
    .subarray(0, 4)
    .toString('hex');
  assert.throws(() => verifyBundle(bundle, [`${name}+${strangerId}+${strangerKey.toString('base64')}`]), /no valid signature/);
});

step('8. an agency reads the citizen through the exchange; the access page lists the read at once and its proof verifies', async () => {
  const basic = Buffer.from(`${encodeURIComponent(AGENCY.id)}:${encodeURIComponent(S.agencySecret)}`).toString('base64');
  const tokenResponse = await fetch(`${S.direct}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=exchange.read',
  });
  const token = await tokenResponse.json();
  assert.equal(tokenResponse.status, 200, `the agency's token: ${JSON.stringify(token)}`);
  const query = `fields=full_name,birth_date,religion&purpose=${AGENCY.purpose}`;
  const read = await fetch(`${S.direct}/api/v1/exchange/population/persons/${CITIZEN.personalId}?${query}`, {
    headers: { authorization: `Bearer ${token.access_token}` },
  });
  const answer = await read.json();
  assert.equal(read.status, 200, `the agency's read: ${JSON.stringify(answer)}`);
  assert.equal(answer.data.full_name, CITIZEN.fullName);
  assert.equal(answer.data.religion, undefined, 'religion has no rule: withheld');
  assert.equal(answer.withheld[0].field, 'religion');
  const readIndex = answer.released[0].entry;

  const page = S.pages.citizen;
  await goto(page, '/account/access?lang=en');
  const entry = page.locator(`#access article.access-entry[data-index="${readIndex}"]`);
  await entry.waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`the agency's read (entry ${readIndex}) is not listed on ${page.url()}`);
  });
  assert.equal(await entry.getAttribute('data-kind'), 'data.read');
  assert.equal(await entry.getAttribute('data-actor-type'), 'agency');
  assert.equal(await entry.getAttribute('data-actor'), AGENCY.id);
  const shown = (await entry.textContent()) || '';
  assert.ok(shown.includes(AGENCY.purpose), `the purpose is shown: ${shown}`);
  assert.ok(shown.includes(AGENCY.basis), `the legal basis is shown: ${shown}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'access-page-agency-read.png'), fullPage: true });

  const href = await entry.locator('a.proof').getAttribute('href');
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === href);
  await entry.locator('a.proof').click();
  const response = await answered;
  assert.equal(response.status(), 200, `GET ${href}`);
  const bundle = JSON.parse((await response.body()).toString('utf8'));
  const vkeys = (await (await fetch(`${S.direct}/ledger/keys`)).text()).split('\n').filter(Boolean);
  const proved = verifyBundle(bundle, vkeys);
  assert.equal(proved.entry.kind, 'data.read');
  assert.deepEqual(proved.entry.actor, { type: 'agency', id: AGENCY.id });
  assert.equal(proved.entry.legal_basis, AGENCY.basis);
  assert.deepEqual(proved.entry.fields, ['full_name', 'birth_date']);
  await page.goBack();
});

step('9. no script was blocked by the CSP and no page threw', async () => {
  S.current = null;
  const blocking = S.problems.filter((p) => /uncaught page error|script-src|connect-src|default-src|passkey:/.test(p));
  assert.deepEqual(blocking, [], 'the pages must run under their CSP without errors');
});
