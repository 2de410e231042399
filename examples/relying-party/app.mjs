// A minimal relying party: "Log in with dinhdanh" for a Node.js web application.
//
//   npm install            (once, in this folder)
//   node app.mjs           first run: creates the client's key pair (rp-key.json, kept private)
//                          and the registration for the operator (client.json), then says how
//                          to register it; later runs serve http://localhost:3000
//
// Environment: DINHDANH_ISSUER (default http://localhost:8080), PORT (default 3000).
//
// What it shows: discovery, pushed authorization requests, PKCE, private_key_jwt client
// authentication, DPoP-bound tokens, ID token validation, userinfo, and RP-initiated logout,
// all done by the OpenID-certified openid-client library.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as oidc from 'openid-client';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ISSUER = process.env.DINHDANH_ISSUER || 'http://localhost:8080';
const PORT = Number(process.env.PORT || 3000);
const BASE = `http://localhost:${PORT}`;
const CLIENT_ID = 'example.rp';
const KEY_FILE = path.join(HERE, 'rp-key.json');
const REGISTRATION_FILE = path.join(HERE, 'client.json');

// ---- first run: a key pair and the registration --------------------------------------------

if (!fs.existsSync(KEY_FILE)) {
  const { privateKey, publicKey } = await crypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['sign', 'verify'],
  );
  const kid = `example-${Date.now()}`;
  const privateJwk = { ...(await crypto.subtle.exportKey('jwk', privateKey)), kid, alg: 'ES256' };
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey);
  fs.writeFileSync(KEY_FILE, JSON.stringify(privateJwk, null, 2), { mode: 0o600 });
  fs.writeFileSync(
    REGISTRATION_FILE,
    JSON.stringify(
      {
        client_id: CLIENT_ID,
        name: { vi: 'Ứng dụng mẫu', en: 'Example application' },
        purpose: { vi: 'Minh hoạ đăng nhập bằng định danh điện tử', en: 'Shows logging in with the e-ID' },
        redirect_uris: [`${BASE}/callback`],
        post_logout_redirect_uris: [`${BASE}/`],
        jwks: { keys: [{ kty, crv, x, y, kid, alg: 'ES256', use: 'sig' }] },
        scopes: ['openid', 'profile', 'address', 'phone'],
        security_level: 2,
        require_par: true,
        require_dpop: true,
      },
      null,
      2,
    ),
  );
  console.log(`Created ${KEY_FILE} (keep it private) and ${REGISTRATION_FILE}.
Register the client, then start this application again:

  dinhdanh clients add --file ${path.relative(process.cwd(), REGISTRATION_FILE)}
  node ${path.relative(process.cwd(), path.join(HERE, 'app.mjs'))}
`);
  process.exit(0);
}

// ---- the client ------------------------------------------------------------------------------

const privateJwk = JSON.parse(fs.readFileSync(KEY_FILE, 'utf8'));
const signingKey = await crypto.subtle.importKey(
  'jwk',
  privateJwk,
  { name: 'ECDSA', namedCurve: 'P-256' },
  false,
  ['sign'],
);
const insecure = new URL(ISSUER).protocol === 'http:'; // development against localhost only
const config = await oidc.discovery(
  new URL(ISSUER),
  CLIENT_ID,
  undefined,
  oidc.PrivateKeyJwt({ key: signingKey, kid: privateJwk.kid }),
  insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
);

// Login attempts in progress (state -> verifier, nonce, DPoP key), and signed-in visitors.
const pending = new Map();
const visitors = new Map();

function page(res, body, status = 200) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><meta charset="utf-8"><title>Example application</title>
<body style="font-family: sans-serif; max-width: 44rem; margin: 2rem auto">${body}</body>`);
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function cookie(req, name) {
  const found = (req.headers.cookie || '').split(';').map((p) => p.trim().split('=')).find(([k]) => k === name);
  return found ? found[1] : undefined;
}

async function login(res) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const dpop = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair());
  pending.set(state, { verifier, nonce, dpop });
  const url = await oidc.buildAuthorizationUrlWithPAR(
    config,
    {
      redirect_uri: `${BASE}/callback`,
      scope: 'openid profile address phone',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ui_locales: 'vi',
    },
    { DPoP: dpop },
  );
  res.writeHead(303, { location: url.href });
  res.end();
}

async function callback(req, res) {
  const current = new URL(req.url, BASE);
  const attempt = pending.get(current.searchParams.get('state'));
  if (!attempt) return page(res, '<p>Unknown or expired login attempt. <a href="/">Start again</a>.</p>', 400);
  pending.delete(current.searchParams.get('state'));
  if (current.searchParams.get('error')) {
    return page(res, `<p>Login refused: <code>${escape(current.searchParams.get('error'))}</code>
      ${escape(current.searchParams.get('error_description') || '')}</p><p><a href="/">Back</a></p>`, 400);
  }
  const tokens = await oidc.authorizationCodeGrant(config, current, {
    pkceCodeVerifier: attempt.verifier,
    expectedNonce: attempt.nonce,
    expectedState: current.searchParams.get('state'),
    idTokenExpected: true,
  }, undefined, { DPoP: attempt.dpop });
  const claims = tokens.claims();
  const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub, { DPoP: attempt.dpop });
  const id = oidc.randomState();
  visitors.set(id, { claims, userinfo, idToken: tokens.id_token });
  res.writeHead(303, { location: '/', 'set-cookie': `rp_session=${id}; Path=/; HttpOnly; SameSite=Lax` });
  res.end();
}

function home(req, res) {
  const visitor = visitors.get(cookie(req, 'rp_session'));
  if (!visitor) {
    return page(res, '<h1>Example application</h1><p><a href="/login">Log in with dinhdanh</a></p>');
  }
  const logout = oidc.buildEndSessionUrl(config, {
    id_token_hint: visitor.idToken,
    post_logout_redirect_uri: `${BASE}/`,
  });
  page(res, `<h1>Hello, ${escape(visitor.userinfo.name || visitor.claims.sub)}</h1>
    <p>Level of assurance: <code>${escape(visitor.claims.acr)}</code>, methods: <code>${escape((visitor.claims.amr || []).join(', '))}</code></p>
    <h2>ID token</h2><pre>${escape(JSON.stringify(visitor.claims, null, 2))}</pre>
    <h2>Userinfo</h2><pre>${escape(JSON.stringify(visitor.userinfo, null, 2))}</pre>
    <p><a href="${escape(logout.href)}">Log out</a></p>`);
}

http
  .createServer(async (req, res) => {
    try {
      const { pathname } = new URL(req.url, BASE);
      if (pathname === '/login') return await login(res);
      if (pathname === '/callback') return await callback(req, res);
      if (pathname === '/') return home(req, res);
      page(res, '<p>Not found</p>', 404);
    } catch (e) {
      console.error(e);
      page(res, `<p>Error: ${escape(e.message)}</p><p><a href="/">Back</a></p>`, 500);
    }
  })
  .listen(PORT, '127.0.0.1', () => console.log(`Example relying party on ${BASE}/ (issuer ${ISSUER})`));
