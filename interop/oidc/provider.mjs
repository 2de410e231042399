#!/usr/bin/env node
// A reference OpenID Provider (node `oidc-provider`, OpenID-certified) configured
// like dinhdanh, for differential tests (same malformed request to both servers,
// compare `error` codes) and for benchmarks. It also serves login and consent
// pages with the same contract as dinhdanh's (GET /authorize -> 303 /login?next=,
// <form id="login"> with hidden csrf + dd_csrf cookie, personal_id, password;
// <form id="consent"> with csrf and decision=allow|deny), so openid_client.mjs
// and authlib_flow.py run unchanged against it.
//
//   PORT=41235 node interop/oidc/provider.mjs [config.json]
//
// Environment (each optional; a config.json argument overrides them):
//   PORT                  listen port on 127.0.0.1 (default 3000)
//   DD_ISSUER             issuer (default http://localhost:$PORT)
//   DD_CLIENT_ID          private_key_jwt client id (default interop-pkjwt)
//   DD_CLIENT_JWK         its EC P-256 JWK (private or public; only the public
//                         part is registered). Without it that client is omitted.
//   DD_BASIC_CLIENT_ID    client_secret_basic client id (default interop-basic)
//   DD_CLIENT_SECRET      its secret. Without it that client is omitted.
//   DD_REDIRECT_URI       redirect URI of both clients (default http://127.0.0.1:9/cb)
//   DD_PERSONAL_ID, DD_PASSWORD  the one citizen account
//                         (default 001090012345 / correct horse battery staple)
// config.json: {"clients": [oidc-provider client metadata...],
//               "accounts": [{"personal_id": "...", "password": "...", "claims": {...}}],
//                 (sub = personal_id; without "claims", a sample profile is used)
//               "signing_jwk": {private EC P-256 JWK for ID tokens},
//               "client_credentials_resource": {"indicator": "urn:…", "scope": "svc.read"}}
//                 (all keys optional)
//
// client_credentials_resource (used by benches/oidc.sh): client-credentials grants
// default to that resource server, whose access tokens are ES256-signed JWTs
// (RFC 9068) carrying the requested service scopes — the work dinhdanh does for
// that grant. Without it those tokens are opaque and kept in memory. Tokens of
// the code flow stay opaque either way: oidc-provider's userinfo only accepts
// its own opaque tokens.
//
// State (codes, sessions, grants, refresh tokens, used assertion IDs) lives in
// this process's memory (MemoryAdapter below): nothing is persisted, unlike
// dinhdanh, which commits every one of these to SQLite or PostgreSQL.
//
// Logs nothing on success; "listening" is signalled by the discovery document
// answering. Exits non-zero with a message on stderr when it cannot start.

import { createServer } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as jose from 'jose';

// oidc-provider prints notices for its quick-start defaults and for Node < 22
// ("Unsupported runtime"). Every default it would warn about is configured
// below; the runtime notice is dropped so that a good start prints nothing.
const quiet = (orig) => (...args) => {
  if (typeof args[0] === 'string' && args[0].includes('oidc-provider') && args[0].includes('Unsupported runtime')) return;
  orig(...args);
};
console.warn = quiet(console.warn);
const { default: Provider, errors } = await import('oidc-provider');

// ---------------------------------------------------------------------------
// Configuration
const PORT = Number(process.env.PORT ?? 3000);
const ISSUER = (process.env.DD_ISSUER ?? `http://localhost:${PORT}`).replace(/\/$/, '');
const REDIRECT_URI = process.env.DD_REDIRECT_URI ?? 'http://127.0.0.1:9/cb';

function fail(msg) {
  process.stderr.write(`provider.mjs: ${msg}\n`);
  process.exit(2);
}

let fileConfig = {};
if (process.argv[2]) {
  try {
    fileConfig = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  } catch (err) {
    fail(`cannot read config ${process.argv[2]}: ${err.message}`);
  }
}

function publicJwk(jwkJson) {
  const jwk = typeof jwkJson === 'string' ? JSON.parse(jwkJson) : jwkJson;
  const { kty, crv, x, y, kid } = jwk;
  if (kty !== 'EC' || crv !== 'P-256') fail('client JWK must be EC P-256');
  return { kty, crv, x, y, ...(kid ? { kid } : {}), alg: 'ES256', use: 'sig' };
}

const common = {
  redirect_uris: [REDIRECT_URI],
  response_types: ['code'],
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  id_token_signed_response_alg: 'ES256',
  scope: 'openid profile',
};
let clients = fileConfig.clients;
if (!clients) {
  clients = [];
  if (process.env.DD_CLIENT_JWK) {
    clients.push({
      ...common,
      client_id: process.env.DD_CLIENT_ID ?? 'interop-pkjwt',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [publicJwk(process.env.DD_CLIENT_JWK)] },
    });
  }
  if (process.env.DD_CLIENT_SECRET) {
    clients.push({
      ...common,
      client_id: process.env.DD_BASIC_CLIENT_ID ?? 'interop-basic',
      client_secret: process.env.DD_CLIENT_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
    });
  }
}

const accounts = new Map();
for (const a of fileConfig.accounts ?? [
  {
    personal_id: process.env.DD_PERSONAL_ID ?? '001090012345',
    password: process.env.DD_PASSWORD ?? 'correct horse battery staple',
  },
]) {
  accounts.set(a.personal_id, {
    password: a.password,
    claims: {
      ...(a.claims ?? {
        name: 'Nguyễn Văn An',
        family_name: 'Nguyễn',
        given_name: 'An',
        middle_name: 'Văn',
        birthdate: '1990-01-01',
        gender: 'male',
        locale: 'vi-VN',
      }),
      sub: a.personal_id,
    },
  });
}

let signingJwk = fileConfig.signing_jwk;
if (!signingJwk) {
  const { privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  signingJwk = await jose.exportJWK(privateKey);
}
signingJwk = { ...signingJwk, alg: 'ES256', use: 'sig', kid: signingJwk.kid ?? randomBytes(8).toString('hex') };

// ---------------------------------------------------------------------------
// In-memory storage adapter (one process; expired entries dropped lazily).
const store = new Map(); // key -> {payload, expiresAt}
const grantIndex = new Map(); // grantId -> Set(key)
const uidIndex = new Map(); // uid -> key
const userCodeIndex = new Map(); // userCode -> key
class MemoryAdapter {
  constructor(name) {
    this.name = name;
  }
  key(id) {
    return `${this.name}:${id}`;
  }
  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    store.set(key, { payload: structuredClone(payload), expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    if (payload.grantId) {
      if (!grantIndex.has(payload.grantId)) grantIndex.set(payload.grantId, new Set());
      grantIndex.get(payload.grantId).add(key);
    }
    if (payload.uid) uidIndex.set(payload.uid, key);
    if (payload.userCode) userCodeIndex.set(payload.userCode, key);
  }
  get(key) {
    const e = key && store.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return structuredClone(e.payload);
  }
  async find(id) {
    return this.get(this.key(id));
  }
  async findByUid(uid) {
    return this.get(uidIndex.get(uid));
  }
  async findByUserCode(userCode) {
    return this.get(userCodeIndex.get(userCode));
  }
  async consume(id) {
    const e = store.get(this.key(id));
    if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) {
    store.delete(this.key(id));
  }
  async revokeByGrantId(grantId) {
    for (const key of grantIndex.get(grantId) ?? []) store.delete(key);
    grantIndex.delete(grantId);
  }
}

// Client credentials towards one resource server with JWT access tokens (optional).
const ccResource = fileConfig.client_credentials_resource;
const resourceIndicators = ccResource
  ? {
      enabled: true,
      defaultResource: async (ctx) =>
        ctx.oidc.params?.grant_type === 'client_credentials' ? ccResource.indicator : undefined,
      getResourceServerInfo: async (_ctx, indicator) => {
        if (indicator !== ccResource.indicator) throw new errors.InvalidTarget();
        return {
          scope: ccResource.scope,
          audience: ISSUER,
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    }
  : undefined; // oidc-provider's default (enabled, no resource servers)

// ---------------------------------------------------------------------------
const provider = new Provider(ISSUER, {
  adapter: MemoryAdapter,
  clients,
  jwks: { keys: [signingJwk] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  routes: {
    authorization: '/authorize',
    token: '/token',
    userinfo: '/userinfo',
    jwks: '/jwks',
    pushed_authorization_request: '/par',
    introspection: '/introspect',
    revocation: '/revoke',
    end_session: '/logout',
  },
  responseTypes: ['code'],
  clientAuthMethods: ['private_key_jwt', 'client_secret_basic'],
  scopes: ['openid', 'profile', 'offline_access'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'family_name', 'given_name', 'middle_name', 'birthdate', 'gender', 'locale'],
  },
  pkce: { required: () => true },
  enabledJWA: {
    clientAuthSigningAlgValues: ['ES256'],
    idTokenSigningAlgValues: ['ES256'],
    userinfoSigningAlgValues: ['ES256'],
    introspectionSigningAlgValues: ['ES256'],
    authorizationSigningAlgValues: ['ES256'],
    requestObjectSigningAlgValues: ['ES256'],
    dPoPSigningAlgValues: ['ES256', 'EdDSA', 'Ed25519'],
  },
  features: {
    devInteractions: { enabled: false },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
    dPoP: { enabled: true },
    clientCredentials: { enabled: true },
    ...(resourceIndicators ? { resourceIndicators } : {}),
    introspection: { enabled: true, allowedPolicy: async () => true },
    revocation: {
      enabled: true,
      allowedPolicy: async (_ctx, client, token) => {
        if (token.clientId !== client.clientId) {
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        }
        return true;
      },
    },
    userinfo: { enabled: true },
    rpInitiatedLogout: { enabled: false },
  },
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => true,
  clientBasedCORS: () => false,
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    ClientCredentials: 600,
    DeviceCode: 600,
    BackchannelAuthenticationRequest: 600,
    PreAuthorizedCode: 600,
    IdToken: 600,
    RefreshToken: 30 * 24 * 3600,
    Interaction: 600,
    Session: 8 * 3600,
    Grant: 30 * 24 * 3600,
  },
  findAccount: async (_ctx, sub) => {
    const a = accounts.get(sub);
    if (!a) return undefined;
    return { accountId: sub, claims: async () => ({ ...a.claims }) };
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>Error</title><pre id="error">${escapeHtml(JSON.stringify(out))}</pre>`;
  },
});
provider.on('server_error', (_ctx, err) => process.stderr.write(`provider.mjs: server_error: ${err.stack}\n`));

// ---------------------------------------------------------------------------
// Login / consent pages (dinhdanh's contract).
const sessions = new Map(); // dd_session value -> personal_id

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
function cookies(req) {
  const out = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
function readForm(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c) => {
      data += c;
      if (data.length > 65536) reject(new Error('body too large'));
    });
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(data))));
    req.on('error', reject);
  });
}
function send(res, status, headers, body = '') {
  res.writeHead(status, headers);
  res.end(body);
}
function page(res, title, inner, setCookie) {
  const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
  if (setCookie) headers['set-cookie'] = setCookie;
  send(res, 200, headers, `<!doctype html><html><head><title>${title}</title></head><body>${inner}</body></html>`);
}
function csrfFor(req) {
  const existing = cookies(req).dd_csrf;
  if (existing) return { token: existing, setCookie: undefined };
  const token = randomBytes(24).toString('base64url');
  return { token, setCookie: `dd_csrf=${token}; Path=/; HttpOnly; SameSite=Lax` };
}
function csrfOk(req, form) {
  const origin = req.headers.origin;
  if (origin && origin !== new URL(ISSUER).origin) return false;
  const a = Buffer.from(cookies(req).dd_csrf ?? '');
  const b = Buffer.from(form.csrf ?? '');
  return a.length > 0 && a.length === b.length && timingSafeEqual(a, b);
}
function safeNext(next) {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

async function pages(req, res, url) {
  if (url.pathname === '/login') {
    const next = safeNext(url.searchParams.get('next'));
    const action = `/login?next=${encodeURIComponent(next)}`;
    if (req.method === 'GET') {
      const { token, setCookie } = csrfFor(req);
      page(
        res,
        'Sign in',
        `<form id="login" method="post" action="${escapeHtml(action)}">` +
          `<input type="hidden" name="csrf" value="${escapeHtml(token)}">` +
          `<input name="personal_id" inputmode="numeric"><input type="password" name="password">` +
          `<button type="submit">Sign in</button></form>`,
        setCookie,
      );
      return;
    }
    if (req.method === 'POST') {
      const form = await readForm(req);
      if (!csrfOk(req, form)) return send(res, 403, { 'content-type': 'text/plain' }, 'csrf');
      const a = accounts.get(form.personal_id);
      if (!a || a.password !== form.password) {
        const { token } = csrfFor(req);
        page(
          res,
          'Sign in',
          `<p id="error">wrong personal ID or password</p><form id="login" method="post" action="${escapeHtml(action)}">` +
            `<input type="hidden" name="csrf" value="${escapeHtml(token)}"><input name="personal_id"><input type="password" name="password"></form>`,
        );
        return;
      }
      const sid = randomBytes(24).toString('base64url');
      sessions.set(sid, form.personal_id);
      send(res, 303, { location: next, 'set-cookie': `dd_session=${sid}; Path=/; HttpOnly; SameSite=Lax` });
      return;
    }
    return send(res, 405, { allow: 'GET, POST' });
  }

  const m = /^\/interaction\/([^/]+)(\/consent)?$/.exec(url.pathname);
  if (!m) return false;
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;

  if (prompt.name === 'login') {
    const personalId = sessions.get(cookies(req).dd_session);
    if (!personalId) {
      send(res, 303, { location: `/login?next=${encodeURIComponent(url.pathname)}` });
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: personalId } }, { mergeWithLastSubmission: false });
    return;
  }
  if (prompt.name !== 'consent') return send(res, 500, { 'content-type': 'text/plain' }, `unknown prompt ${prompt.name}`);

  if (!m[2] && req.method === 'GET') {
    const { token, setCookie } = csrfFor(req);
    page(
      res,
      'Consent',
      `<p>${escapeHtml(params.client_id)} asks for: ${escapeHtml(params.scope)}</p>` +
        `<form id="consent" method="post" action="/interaction/${escapeHtml(details.uid)}/consent">` +
        `<input type="hidden" name="csrf" value="${escapeHtml(token)}">` +
        `<button type="submit" name="decision" value="allow">Allow</button>` +
        `<button type="submit" name="decision" value="deny">Deny</button></form>`,
      setCookie,
    );
    return;
  }
  if (m[2] && req.method === 'POST') {
    const form = await readForm(req);
    if (!csrfOk(req, form)) return send(res, 403, { 'content-type': 'text/plain' }, 'csrf');
    if (form.decision !== 'allow') {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'the citizen declined' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  return send(res, 405, {});
}

const callback = provider.callback();
const handler = (req, res) => {
  const url = new URL(req.url, ISSUER);
  pages(req, res, url)
    .then((handled) => {
      if (handled === false) callback(req, res);
    })
    .catch((err) => {
      if (!res.headersSent) {
        const status = err.statusCode ?? err.status ?? 500;
        send(res, status, { 'content-type': 'text/plain' }, err.message);
      } else res.end();
      if ((err.statusCode ?? err.status ?? 500) >= 500) process.stderr.write(`provider.mjs: ${err.stack}\n`);
    });
};

// Loopback only: 127.0.0.1, and ::1 too when the machine has it ("localhost"
// may resolve to either).
const servers = [createServer(handler)];
servers[0].on('error', (err) => fail(`cannot listen on 127.0.0.1:${PORT}: ${err.message}`));
servers[0].listen(PORT, '127.0.0.1', () => {
  const v6 = createServer(handler);
  v6.on('error', () => {}); // no IPv6 loopback: fine
  v6.listen(PORT, '::1', () => servers.push(v6));
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const s of servers) s.close();
    process.exit(0);
  });
}
