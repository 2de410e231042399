#!/usr/bin/env node
// Independent-wallet interop check for the dinhdanh verifiable-credential issuer.
// Tested with @openid4vc/openid4vci@0.4.6 + @openid4vc/oauth2@0.4.6 (OpenID4VCI 1.0 client, OWF
// oid4vc-ts), @sd-jwt/sd-jwt-vc@0.19.0 + @sd-jwt/crypto-nodejs@0.19.0 (OWF sd-jwt-js) and
// jose@6.2.18; see package.json / package-lock.json. Node >= 20.
//
// Four modes (env DD_MODE):
//
// * unset or "issue": the full wallet.
//     env DD_OFFER_URI   openid-credential-offer://?credential_offer_uri=...
//         DD_TX_CODE     the transaction code of the offer
//         [DD_VERIFIER_AUD DD_NONCE]  both set: also make and self-verify a presentation
//         [DD_DISCLOSE]  comma-separated top-level claim names to disclose in the presentation
//                        (each with everything nested under it); unset: all, empty: none
//   OpenID4VCI 1.0 pre-authorized code flow with tx_code, anonymous client: offer (by
//   reference) -> credential issuer + RFC 8414 AS metadata -> token -> nonce endpoint -> jwt
//   proof (ES256 holder key generated here) -> credential request with the offer's first
//   credential_configuration_id. The SD-JWT VC is then verified with @sd-jwt/sd-jwt-vc: issuer
//   key from the JWT VC issuer metadata (/.well-known/jwt-vc-issuer inserted before the path of
//   `iss`, key chosen by the header kid), typ dc+sd-jwt and alg ES256, status list fetched from
//   its uri (Accept/Content-Type application/statuslist+jwt, JWT typ statuslist+jwt signed by a
//   key of the same JWKS, sub == uri, the entry must be VALID), claims iss, vct, iat, exp, cnf
//   and status present (iat/exp/nbf checked in seconds, 30 s leeway), iss == credential issuer,
//   vct == the configuration's vct, cnf.jwk == the holder public key.
//   Prints ONE JSON object on stdout:
//     {"credential_configuration_id", "credential": "<sd-jwt>~", "issuer_header": {...},
//      "claims": {fully disclosed payload}, "holder_jwk": {private ES256 JWK, with d},
//      "status_checked": true,
//      "presentation": "<sd-jwt>~<disclosures>~<kb-jwt>", "presented_claims": {...}}
//   (the last two only with DD_VERIFIER_AUD and DD_NONCE). Any failure: stderr, exit 1.
//
// * "verify": only the @sd-jwt/sd-jwt-vc verification above, status list included.
//     env DD_CREDENTIAL      an SD-JWT VC or a presentation of one
//         DD_ISSUER_ORIGIN   the trusted issuer origin: the origin of `iss` must equal it
//         [DD_VERIFIER_AUD DD_NONCE]  both set: a KB-JWT with that nonce and aud is required
//   Prints {"ok": true, "claims": {...}} or {"ok": false, "error": "<message>"} and exits 0 in
//   both cases (a revoked credential gives "Status is not valid"). Exit 1 only for a script
//   error: bad environment, or the issuer's JWT VC issuer metadata cannot be fetched.
//
// * "wrong_tx": the flow up to the token request, sent with DD_TX_CODE (env DD_OFFER_URI,
//   DD_TX_CODE). Prints {"error": "<OAuth error code>", "status": <HTTP status>} and exits 0
//   when the token endpoint answers with an OAuth error; exit 1 if it issues a token.
//
// * "present": an OpenID4VP 1.0 wallet (@openid4vc/openid4vp@0.4.6) answering a verifier's
//   request: env DD_REQUEST_URI (openid4vp://?...), DD_CREDENTIAL (the issued SD-JWT VC),
//   DD_HOLDER_JWK (the private holder JWK). It resolves the request (client_id prefix
//   redirect_uri:, response_mode direct_post, DCQL query), discloses exactly the claims the
//   query names, signs the key binding for the request's client_id and nonce, and posts
//   vp_token {<query id>: [presentation]} with the state to response_uri. Prints
//   {"status": <HTTP status of the verifier's answer>, "body": {...}, "aud": "<client_id>",
//    "disclosed": [...]} and exits 0 whatever the verifier answered.
//
// DD_DEBUG=1 prints stacks on stderr. The server is plain http://localhost, so the
// @openid4vc libraries' https requirement is switched off (setGlobalConfig).

import crypto from 'node:crypto';
import * as jose from 'jose';
import { Openid4vciClient } from '@openid4vc/openid4vci';
import { clientAuthenticationAnonymous, setGlobalConfig } from '@openid4vc/oauth2';
import { Openid4vpClient } from '@openid4vc/openid4vp';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { ES256, digest } from '@sd-jwt/crypto-nodejs';

setGlobalConfig({ allowInsecureUrls: true });

const SD_JWT_TYP = 'dc+sd-jwt';
const STATUS_LIST_TYP = 'statuslist+jwt';
const STATUS_LIST_MEDIA_TYPE = 'application/statuslist+jwt';
const ALG = 'ES256';
const TIMEOUT_MS = 15000;
const SKEW_SECONDS = 30;

class ScriptError extends Error {}

function env(name) {
  const v = process.env[name];
  if (v === undefined || v === '') throw new ScriptError(`missing environment variable ${name}`);
  return v;
}

const now = () => Math.floor(Date.now() / 1000);
const publicPart = ({ kty, crv, x, y }) => ({ kty, crv, x, y });
const decodeHeader = (compact) => JSON.parse(Buffer.from(compact.split('.')[0], 'base64url').toString('utf8'));

function httpFetch(url, init = {}) {
  return fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
}

// ---------------------------------------------------------------------------
// Issuer keys: JWT VC Issuer Metadata (SD-JWT VC, section "JWT VC Issuer Metadata").

async function fetchIssuerKeys(iss) {
  let url;
  try {
    const u = new URL(iss);
    const path = u.pathname.replace(/\/+$/, '');
    url = `${u.origin}/.well-known/jwt-vc-issuer${path}`;
  } catch {
    throw new Error(`iss ${JSON.stringify(iss)} is not a URL`);
  }
  // Not reaching the issuer's metadata is an environment problem (ScriptError: exit 1 in every mode).
  let res;
  try {
    res = await httpFetch(url, { headers: { Accept: 'application/json' } });
  } catch (err) {
    throw new ScriptError(`GET ${url}: ${err.message}`);
  }
  if (!res.ok) throw new ScriptError(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  const md = await res.json();
  // From here on the metadata was served: what is wrong with it is a verification failure.
  if (md.issuer !== iss) throw new Error(`${url}: issuer ${JSON.stringify(md.issuer)} != iss ${JSON.stringify(iss)}`);
  let jwks = md.jwks;
  if (jwks === undefined && typeof md.jwks_uri === 'string') {
    const r = await httpFetch(md.jwks_uri, { headers: { Accept: 'application/json' } });
    if (!r.ok) throw new ScriptError(`GET ${md.jwks_uri}: HTTP ${r.status}`);
    jwks = await r.json();
  }
  if (!Array.isArray(jwks?.keys)) throw new Error(`${url}: no jwks.keys`);
  return jwks.keys;
}

// A signature-verifier callback for @sd-jwt: the library checks neither typ nor alg nor kid,
// so this does. `data` is "<b64url header>.<b64url payload>".
function issuerVerifier(keys, expectedTyp) {
  return async (data, signature) => {
    const header = decodeHeader(data);
    if (header.typ !== expectedTyp) throw new Error(`JWT typ ${JSON.stringify(header.typ)}, expected ${expectedTyp}`);
    if (header.alg !== ALG) throw new Error(`JWT alg ${JSON.stringify(header.alg)}, expected ${ALG}`);
    if (typeof header.kid !== 'string') throw new Error(`${expectedTyp} header has no kid`);
    const jwk = keys.find((k) => k.kid === header.kid);
    if (!jwk) throw new Error(`kid ${JSON.stringify(header.kid)} is not in the issuer's JWKS`);
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new Error(`issuer key ${header.kid} is not an EC P-256 key`);
    return (await ES256.getVerifier(publicPart(jwk)))(data, signature);
  };
}

// Verifies an SD-JWT VC or a presentation of it with @sd-jwt/sd-jwt-vc.
// kb = {nonce, aud} requires and checks a KB-JWT (the library checks nonce, typ, sd_hash and
// the signature with cnf.jwk; aud is checked here).
async function verifySdJwtVc(sdJwt, kb) {
  const iss = jose.decodeJwt(sdJwt.split('~')[0]).iss;
  const keys = await fetchIssuerKeys(iss);
  let statusFetched = false;
  const instance = new SDJwtVcInstance({
    hasher: digest,
    verifier: issuerVerifier(keys, SD_JWT_TYP),
    statusVerifier: issuerVerifier(keys, STATUS_LIST_TYP),
    kbVerifier: async (data, signature, payload) => {
      const header = decodeHeader(data);
      if (header.alg !== ALG) throw new Error(`KB-JWT alg ${JSON.stringify(header.alg)}, expected ${ALG}`);
      const jwk = payload?.cnf?.jwk;
      if (!jwk) throw new Error('credential has no cnf.jwk');
      return (await ES256.getVerifier(publicPart(jwk)))(data, signature);
    },
    statusListFetcher: async (uri) => {
      const res = await httpFetch(uri, { headers: { Accept: STATUS_LIST_MEDIA_TYPE } });
      if (!res.ok) throw new Error(`GET ${uri}: HTTP ${res.status}`);
      const ct = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
      if (ct !== STATUS_LIST_MEDIA_TYPE) throw new Error(`GET ${uri}: Content-Type ${JSON.stringify(ct)}, expected ${STATUS_LIST_MEDIA_TYPE}`);
      const jwt = (await res.text()).trim();
      const sub = jose.decodeJwt(jwt).sub;
      if (sub !== uri) throw new Error(`status list token sub ${JSON.stringify(sub)} != uri ${JSON.stringify(uri)}`);
      statusFetched = true;
      return jwt;
    },
  });
  const result = await instance.verify(sdJwt, {
    requiredClaimKeys: ['iss', 'vct', 'iat', 'exp', 'cnf', 'status'],
    skewSeconds: SKEW_SECONDS,
    ...(kb ? { keyBindingNonce: kb.nonce } : {}),
  });
  if (!result.payload.status?.status_list || !statusFetched) throw new Error('the status list was not checked');
  if (kb) {
    if (result.kb?.payload?.aud !== kb.aud) throw new Error(`KB-JWT aud ${JSON.stringify(result.kb?.payload?.aud)} != ${JSON.stringify(kb.aud)}`);
    if (result.kb.header.typ !== 'kb+jwt') throw new Error(`KB-JWT typ ${JSON.stringify(result.kb.header.typ)}`);
  }
  return { ...result, keys };
}

// Presentation frame for @sd-jwt present(): every selectively disclosable path (as the library
// names them: "a", "a.b", "a.0") under the chosen top-level claims.
async function presentationFrame(instance, credential, disclose) {
  const frame = {};
  for (const key of await instance.presentableKeys(credential)) {
    const parts = key.split('.');
    if (disclose !== null && !disclose.includes(parts[0])) continue;
    let node = frame;
    parts.forEach((p, i) => {
      if (i === parts.length - 1) {
        if (typeof node[p] !== 'object') node[p] = true;
      } else {
        if (typeof node[p] !== 'object') node[p] = {};
        node = node[p];
      }
    });
  }
  return frame;
}

function parseDisclose() {
  const raw = process.env.DD_DISCLOSE;
  if (raw === undefined) return null;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

// ---------------------------------------------------------------------------
// OpenID4VCI wallet

async function newClient(privateKey) {
  return new Openid4vciClient({
    callbacks: {
      fetch: httpFetch,
      hash: (data, alg) => new Uint8Array(crypto.createHash(alg.replace('-', '')).update(data).digest()),
      generateRandom: (n) => new Uint8Array(crypto.randomBytes(n)),
      clientAuthentication: clientAuthenticationAnonymous(),
      signJwt: async (signer, { header, payload }) => {
        if (signer.method !== 'jwk' || !privateKey) throw new Error(`unexpected signer ${signer.method}`);
        const jwt = await new jose.SignJWT(payload).setProtectedHeader(header).sign(privateKey);
        return { jwt, signerJwk: signer.publicJwk };
      },
    },
  });
}

async function offerAndMetadata(client) {
  const credentialOffer = await client.resolveCredentialOffer(env('DD_OFFER_URI'));
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  if (issuerMetadata.originalDraftVersion !== 'V1') {
    throw new Error(`issuer metadata detected as ${issuerMetadata.originalDraftVersion}, expected OpenID4VCI 1.0 (V1)`);
  }
  return { credentialOffer, issuerMetadata };
}

async function issue() {
  const txCode = env('DD_TX_CODE');
  const aud = process.env.DD_VERIFIER_AUD || undefined;
  const nonce = process.env.DD_NONCE || undefined;
  if (!!aud !== !!nonce) throw new ScriptError('set both DD_VERIFIER_AUD and DD_NONCE, or neither');
  const disclose = parseDisclose();

  const { publicKey, privateKey } = await jose.generateKeyPair(ALG, { extractable: true });
  const holderPublicJwk = publicPart(await jose.exportJWK(publicKey));
  const holderPrivateJwk = await jose.exportJWK(privateKey);

  const client = await newClient(privateKey);
  const { credentialOffer, issuerMetadata } = await offerAndMetadata(client);
  const credentialConfigurationId = credentialOffer.credential_configuration_ids[0];
  const configuration = issuerMetadata.credentialIssuer.credential_configurations_supported[credentialConfigurationId];
  if (!configuration) throw new Error(`configuration ${credentialConfigurationId} is not in the issuer metadata`);

  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, txCode });
  const { c_nonce } = await client.requestNonce({ issuerMetadata });
  const { jwt: proof } = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId,
    nonce: c_nonce,
    signer: { method: 'jwk', alg: ALG, publicJwk: holderPublicJwk },
  });
  const res = await client.retrieveCredentials({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId,
    proofs: { jwt: [proof] },
  });
  const credentials = res.credentialResponse.credentials;
  if (!Array.isArray(credentials) || credentials.length !== 1) throw new Error(`expected one credential, got ${JSON.stringify(res.credentialResponse)}`);
  const credential = credentials[0].credential;
  if (typeof credential !== 'string' || !credential.endsWith('~')) throw new Error(`credential is not an issued SD-JWT: ${JSON.stringify(credential)}`);

  const verified = await verifySdJwtVc(credential);
  const claims = verified.payload;
  if (claims.iss !== credentialOffer.credential_issuer) throw new Error(`iss ${claims.iss} != credential issuer ${credentialOffer.credential_issuer}`);
  if (claims.vct !== configuration.vct) throw new Error(`vct ${claims.vct} != configuration vct ${configuration.vct}`);
  const cnf = claims.cnf?.jwk ?? {};
  for (const m of ['kty', 'crv', 'x', 'y']) {
    if (cnf[m] !== holderPublicJwk[m]) throw new Error(`cnf.jwk.${m} ${JSON.stringify(cnf[m])} != holder key ${holderPublicJwk[m]}`);
  }
  if (cnf.d !== undefined) throw new Error('cnf.jwk contains a private key');

  const out = {
    credential_configuration_id: credentialConfigurationId,
    credential,
    issuer_header: verified.header,
    claims,
    holder_jwk: holderPrivateJwk,
    status_checked: true,
  };

  if (aud) {
    if (disclose) {
      const unknown = disclose.filter((n) => !(n in claims));
      if (unknown.length) throw new ScriptError(`DD_DISCLOSE names claims the credential does not have: ${unknown.join(', ')}`);
    }
    const holder = new SDJwtVcInstance({ hasher: digest, kbSigner: await ES256.getSigner(holderPrivateJwk), kbSignAlg: ALG });
    const frame = await presentationFrame(holder, credential, disclose);
    const presentation = await holder.present(credential, frame, { kb: { payload: { iat: now(), aud, nonce } } });
    const pv = await verifySdJwtVc(presentation, { nonce, aud });
    out.presentation = presentation;
    out.presented_claims = pv.payload;
  }
  return out;
}

async function verifyMode() {
  const credential = env('DD_CREDENTIAL').trim();
  const origin = env('DD_ISSUER_ORIGIN').replace(/\/+$/, '');
  const aud = process.env.DD_VERIFIER_AUD || undefined;
  const nonce = process.env.DD_NONCE || undefined;
  if (!!aud !== !!nonce) throw new ScriptError('set both DD_VERIFIER_AUD and DD_NONCE, or neither');
  let iss;
  try {
    iss = jose.decodeJwt(credential.split('~')[0]).iss;
  } catch (err) {
    return { ok: false, error: `not an SD-JWT: ${err.message}` };
  }
  let issOrigin;
  try {
    issOrigin = new URL(iss).origin;
  } catch {
    return { ok: false, error: `iss ${JSON.stringify(iss)} is not a URL` };
  }
  if (issOrigin !== origin) return { ok: false, error: `iss ${iss} is not under the trusted issuer origin ${origin}` };
  try {
    const { payload } = await verifySdJwtVc(credential, aud ? { nonce, aud } : undefined);
    return { ok: true, claims: payload };
  } catch (err) {
    if (err instanceof ScriptError) throw err;
    if (process.env.DD_DEBUG) process.stderr.write(`${err.stack}\n`);
    return { ok: false, error: err.message };
  }
}

async function wrongTx() {
  const client = await newClient(undefined);
  const { credentialOffer, issuerMetadata } = await offerAndMetadata(client);
  try {
    await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, txCode: env('DD_TX_CODE') });
  } catch (err) {
    if (err?.errorResponse?.error) return { error: err.errorResponse.error, status: err.response?.status ?? null };
    throw err;
  }
  throw new Error('the token endpoint issued an access token for DD_TX_CODE');
}

async function present() {
  const callbacks = {
    fetch: httpFetch,
    hash: (data) => new Uint8Array(crypto.createHash('sha256').update(data).digest()),
    generateRandom: (n) => new Uint8Array(crypto.randomBytes(n)),
    signJwt: () => { throw new ScriptError('this wallet signs nothing but the key binding'); },
    verifyJwt: () => ({ verified: false }),
  };
  const wallet = new Openid4vpClient({ callbacks });
  const parsed = wallet.parseOpenid4vpAuthorizationRequest({ authorizationRequest: env('DD_REQUEST_URI') });
  const resolved = await wallet.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: parsed.params });
  const request = resolved.authorizationRequestPayload;
  if (request.response_mode !== 'direct_post') throw new Error(`response_mode ${request.response_mode}`);
  const [query] = resolved.dcql.query.credentials;
  const asked = query.claims.map((c) => c.path[0]);
  const holderJwk = JSON.parse(env('DD_HOLDER_JWK'));
  const holder = new SDJwtVcInstance({ hasher: digest, kbSigner: await ES256.getSigner(holderJwk), kbSignAlg: ALG });
  const credential = env('DD_CREDENTIAL').trim();
  const frame = await presentationFrame(holder, credential, asked);
  const aud = resolved.client.effective;
  const presentation = await holder.present(credential, frame, { kb: { payload: { iat: now(), aud, nonce: request.nonce } } });
  const { authorizationResponsePayload } = await wallet.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: { vp_token: { [query.id]: [presentation] } },
  });
  const submitted = await wallet.submitOpenid4vpAuthorizationResponse({ authorizationRequestPayload: request, authorizationResponsePayload });
  const text = await submitted.response.text();
  let body;
  try { body = JSON.parse(text); } catch { body = { text }; }
  return { status: submitted.response.status, body, aud, disclosed: asked };
}

const MODES = { issue, '': issue, verify: verifyMode, wrong_tx: wrongTx, present };

async function main() {
  const mode = process.env.DD_MODE ?? '';
  const run = MODES[mode];
  if (!run) throw new ScriptError(`unknown DD_MODE ${JSON.stringify(mode)} (issue, verify, wrong_tx or present)`);
  const out = await run();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stderr.write(`wallet.mjs: FAILED: ${err.message}\n`);
  const inner = err.cause;
  if (inner) process.stderr.write(`  cause: ${inner instanceof Error ? inner.message : JSON.stringify(inner)}\n`);
  if (process.env.DD_DEBUG) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
