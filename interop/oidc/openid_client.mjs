#!/usr/bin/env node
// Independent-client interop check: drives a full OpenID Connect code flow
// against the dinhdanh issuer with `openid-client` (v6, OpenID-certified RP).
//
//   env DD_ISSUER DD_CLIENT_ID DD_REDIRECT_URI DD_CLIENT_JWK DD_PERSONAL_ID DD_PASSWORD
//       [DD_DPOP=1]  -> also run the flow with DPoP-bound tokens
//       [DD_DEBUG=1] -> trace the login pages and print stacks on stderr
//   node interop/oidc/openid_client.mjs
//
// Flow: discovery -> PAR (PKCE S256, state, nonce, private_key_jwt ES256) ->
// scripted login/consent through the server-rendered pages -> code grant
// (ID token, state, nonce, iss, PKCE validated by the library) -> userinfo ->
// refresh (rotation). Prints ONE JSON object on stdout:
//   {"id_token_claims": {...}, "userinfo": {...}, "refreshed": bool,
//    "token_type": "...", "dpop": {same fields} | null}
// Any failure: message on stderr, exit code 1.

import * as client from 'openid-client';

const MAX_REDIRECTS = 10; // consecutive redirects
const MAX_STEPS = 25; // total HTTP requests in one login

function env(name) {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`missing environment variable ${name}`);
  return v;
}

// ---------------------------------------------------------------------------
// Minimal cookie jar: only the issuer's origin ever sees cookies.
class CookieJar {
  constructor(origin) {
    this.origin = origin;
    this.cookies = new Map();
  }
  store(url, response) {
    if (url.origin !== this.origin) return;
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v = ''] = a.split('=');
        const key = k.trim().toLowerCase();
        if (key === 'max-age') return Number(v.trim()) <= 0;
        if (key === 'expires') return Date.parse(v.trim()) <= Date.now();
        return false;
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(url) {
    if (url.origin !== this.origin || this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

// ---------------------------------------------------------------------------
// Tiny HTML helpers (the pages are ours and simple: one <form id=...> each).
function htmlUnescape(s) {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos|#39);/gi, (m, e) => {
    const k = e.toLowerCase();
    if (k === 'amp') return '&';
    if (k === 'lt') return '<';
    if (k === 'gt') return '>';
    if (k === 'quot') return '"';
    if (k === 'apos') return "'";
    if (k.startsWith('#x')) return String.fromCodePoint(parseInt(k.slice(2), 16));
    if (k.startsWith('#')) return String.fromCodePoint(parseInt(k.slice(1), 10));
    return m;
  });
}

function parseAttrs(tag) {
  const attrs = {};
  const body = tag.replace(/^<\s*[a-z]+/i, '').replace(/\/?>$/, '');
  const re = /([^\s=\/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g;
  let m;
  while ((m = re.exec(body)) !== null) {
    attrs[m[1].toLowerCase()] = htmlUnescape(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

// Returns {action, method, hidden: [[name, value]...], submits: [[name, value]...]}
// for <form id="formId">, or null when the page has no such form.
function findForm(html, formId) {
  const formRe = /<form\b[^>]*>/gi;
  let m;
  while ((m = formRe.exec(html)) !== null) {
    const attrs = parseAttrs(m[0]);
    if (attrs.id !== formId) continue;
    const end = html.indexOf('</form', formRe.lastIndex);
    const inner = html.slice(formRe.lastIndex, end === -1 ? undefined : end);
    const hidden = [];
    const submits = [];
    for (const t of inner.match(/<(input|button)\b[^>]*>/gi) ?? []) {
      const a = parseAttrs(t);
      if (!a.name) continue;
      const isButton = /^<\s*button/i.test(t);
      const type = (a.type ?? (isButton ? 'submit' : 'text')).toLowerCase();
      if (type === 'submit') submits.push([a.name, a.value ?? '']);
      else if (type === 'hidden') hidden.push([a.name, a.value ?? '']);
    }
    return { action: attrs.action ?? '', method: (attrs.method ?? 'get').toLowerCase(), hidden, submits };
  }
  return null;
}

// ---------------------------------------------------------------------------
// Scripted login: starting at the authorization URL, follow redirects by hand,
// fill the login form and the consent form when they appear, and stop at the
// redirect to redirect_uri. Returns that URL (never requested).
async function loginThroughPages(startUrl, { issuer, redirectUri, personalId, password, jar }) {
  const target = new URL(redirectUri);
  const isCallback = (u) => u.origin === target.origin && u.pathname === target.pathname;
  let url = new URL(startUrl);
  let method = 'GET';
  let body;
  let redirects = 0;
  const posted = { login: 0, consent: 0 };

  for (let step = 0; step < MAX_STEPS; step++) {
    const headers = { accept: 'text/html' };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (method === 'POST') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin = new URL(issuer).origin;
    }
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    jar.store(url, res);
    const where = `${method} ${url.pathname}`;
    if (process.env.DD_DEBUG) process.stderr.write(`  ${where} -> ${res.status} ${res.headers.get('location') ?? ''}\n`);

    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      const loc = res.headers.get('location');
      if (!loc) throw new Error(`${where}: ${res.status} without Location`);
      const next = new URL(loc, url);
      if (isCallback(next)) return next;
      if (++redirects > MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects (last ${where})`);
      url = next;
      method = 'GET';
      body = undefined;
      continue;
    }
    redirects = 0;
    const text = await res.text();
    if (res.status !== 200) {
      throw new Error(`${where}: unexpected HTTP ${res.status}: ${text.slice(0, 500)}`);
    }

    let form;
    let fields;
    if ((form = findForm(text, 'login'))) {
      if (posted.login++ > 0) throw new Error(`${where}: login form shown again (credentials rejected?)`);
      fields = [...form.hidden, ['personal_id', personalId], ['password', password]];
    } else if ((form = findForm(text, 'consent'))) {
      if (posted.consent++ > 0) throw new Error(`${where}: consent form shown again`);
      fields = [...form.hidden, ['decision', 'allow']];
    } else {
      throw new Error(`${where}: page has neither a login nor a consent form: ${text.slice(0, 500)}`);
    }
    if (form.method !== 'post') throw new Error(`${where}: form method is ${form.method}, expected post`);
    url = new URL(form.action || url.href, url);
    method = 'POST';
    body = new URLSearchParams(fields).toString();
  }
  throw new Error(`login did not reach ${redirectUri} within ${MAX_STEPS} requests`);
}

// ---------------------------------------------------------------------------
async function importClientKey(jwkJson) {
  const jwk = JSON.parse(jwkJson);
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) {
    throw new Error('DD_CLIENT_JWK must be a private EC P-256 JWK');
  }
  const { kty, crv, x, y, d } = jwk;
  const key = await crypto.subtle.importKey(
    'jwk',
    { kty, crv, x, y, d },
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  return { key, kid: jwk.kid };
}

async function runFlow(config, opts, DPoP) {
  const label = DPoP ? 'dpop' : 'plain';
  const codeVerifier = client.randomPKCECodeVerifier();
  const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier);
  const state = client.randomState();
  const nonce = client.randomNonce();

  const step = async (name, fn) => {
    try {
      return await fn();
    } catch (err) {
      const detail = [err.code, err.error, err.error_description, err.status && `HTTP ${err.status}`]
        .filter(Boolean)
        .join(' ');
      const e = new Error(`[${label}] ${name}: ${err.message}${detail ? ` (${detail})` : ''}`);
      e.cause = err;
      throw e;
    }
  };

  const authUrl = await step('pushed authorization request', () =>
    client.buildAuthorizationUrlWithPAR(
      config,
      {
        redirect_uri: opts.redirectUri,
        scope: 'openid profile',
        response_type: 'code',
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        state,
        nonce,
      },
      { DPoP },
    ),
  );

  const callback = await step('login through pages', () => loginThroughPages(authUrl, opts));

  const tokens = await step('authorization code grant', () =>
    client.authorizationCodeGrant(
      config,
      callback,
      { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true },
      undefined,
      { DPoP },
    ),
  );
  const claims = tokens.claims();
  if (DPoP && String(tokens.token_type).toLowerCase() !== 'dpop') {
    throw new Error(`[${label}] token_type is ${tokens.token_type}, expected DPoP`);
  }

  const userinfo = await step('userinfo', () =>
    client.fetchUserInfo(config, tokens.access_token, claims.sub, { DPoP }),
  );

  let refreshed = false;
  if (tokens.refresh_token) {
    const again = await step('refresh token grant', () =>
      client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP }),
    );
    refreshed =
      typeof again.refresh_token === 'string' &&
      again.refresh_token !== tokens.refresh_token &&
      typeof again.access_token === 'string';
    if (!refreshed) process.stderr.write(`[${label}] refresh response did not rotate the refresh token\n`);
  } else {
    process.stderr.write(`[${label}] no refresh_token issued by the code grant\n`);
  }

  return { id_token_claims: claims, userinfo, refreshed, token_type: tokens.token_type };
}

async function main() {
  const issuer = new URL(env('DD_ISSUER'));
  const clientId = env('DD_CLIENT_ID');
  const redirectUri = env('DD_REDIRECT_URI');
  const clientKey = await importClientKey(env('DD_CLIENT_JWK'));
  const opts = {
    issuer: issuer.href,
    redirectUri,
    personalId: env('DD_PERSONAL_ID'),
    password: env('DD_PASSWORD'),
    jar: new CookieJar(issuer.origin),
  };

  let config;
  try {
    config = await client.discovery(
      issuer,
      clientId,
      { id_token_signed_response_alg: 'ES256', token_endpoint_auth_method: 'private_key_jwt' },
      client.PrivateKeyJwt(clientKey),
      { execute: [client.allowInsecureRequests] },
    );
  } catch (err) {
    throw new Error(`discovery of ${issuer.href}: ${err.message}`, { cause: err });
  }

  const out = await runFlow(config, opts, undefined);
  out.dpop = null;
  if (process.env.DD_DPOP === '1') {
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    out.dpop = await runFlow(config, opts, DPoP);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stderr.write(`openid_client.mjs: FAILED: ${err.message}\n`);
  const inner = err.cause?.cause;
  if (inner) process.stderr.write(`  cause: ${inner instanceof Error ? inner.message : JSON.stringify(inner)}\n`);
  if (process.env.DD_DEBUG) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
