// dinhdanh — passkey (WebAuthn) buttons for the server-rendered pages.
//
// Plain ES2020, no dependencies, no build step; works under a strict CSP (no inline script,
// no eval, connect-src 'self'). Loaded with <script src="/static/passkey.js" defer>.
//
// Markup it drives:
//   <meta name="csrf-token" content="...">
//   <button type="button" data-passkey="register|login"
//           data-start="/url/start" data-finish="/url/finish"
//           data-label-input="#passkey-label"      (optional: input whose value is the label)
//           data-error="#passkey-error"            (optional: where errors are shown)
//           data-msg-cancelled="..." data-msg-failed="..."
//           data-msg-unsupported="...">            (optional; falls back to data-msg-failed)
//
// Protocol (webauthn-rs JSON shapes, binary fields as base64url without padding):
//   POST data-start  {}  -> {"ceremony": "...", "options": {"publicKey": {...}}}
//   POST data-finish {"ceremony": "...", "response": <credential JSON>, "label": "..."}
//        -> {"redirect": "/account"}  or  4xx {"error": "code", "message": "text"}
(function () {
  'use strict';

  // ---- base64url <-> bytes ----------------------------------------------------------------

  function bufferFromBase64url(value) {
    if (value instanceof ArrayBuffer) return value;
    if (ArrayBuffer.isView(value)) {
      return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
    }
    if (Array.isArray(value)) return new Uint8Array(value).buffer; // a serde Vec<u8> as numbers
    if (typeof value !== 'string') throw new TypeError('expected a base64url string');
    // Accept base64url and standard base64, padded or not.
    let b64 = value.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
    while (b64.length % 4 !== 0) b64 += '=';
    const binary = atob(b64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function base64urlFromBuffer(value) {
    if (value === null || value === undefined) return null;
    const bytes = ArrayBuffer.isView(value)
      ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
      : new Uint8Array(value);
    let binary = '';
    const chunk = 0x8000;
    for (let i = 0; i < bytes.length; i += chunk) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk));
    }
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // ---- server options (JSON) -> WebAuthn API objects ---------------------------------------

  function decodeDescriptors(list) {
    if (!Array.isArray(list)) return undefined;
    return list.map(function (d) {
      const out = { type: d.type || 'public-key', id: bufferFromBase64url(d.id) };
      if (Array.isArray(d.transports)) out.transports = d.transports;
      return out;
    });
  }

  // Extension inputs: webauthn-rs sends credentialProtectionPolicy / enforceCredentialProtectionPolicy
  // (flattened credProtect), uvm, credProps, minPinLength, hmacCreateSecret (registration) and
  // appid, uvm, hmacGetSecret (authentication). Browsers ignore unknown keys whose values are
  // primitives, but a base64url string where the browser expects a BufferSource (or an object of
  // another shape) makes the whole call throw a TypeError. So keep primitive values and drop
  // object-valued inputs (hmacGetSecret: browsers do not support it under that name anyway).
  function cleanExtensions(extensions) {
    if (!extensions || typeof extensions !== 'object') return undefined;
    const out = {};
    Object.keys(extensions).forEach(function (key) {
      const v = extensions[key];
      if (v === null || v === undefined) return;
      const t = typeof v;
      if (t === 'boolean' || t === 'string' || t === 'number') out[key] = v;
    });
    return out;
  }

  function creationOptionsFromJSON(pk) {
    const o = Object.assign({}, pk);
    o.challenge = bufferFromBase64url(pk.challenge);
    o.user = Object.assign({}, pk.user, { id: bufferFromBase64url(pk.user.id) });
    if (pk.excludeCredentials !== undefined) {
      o.excludeCredentials = decodeDescriptors(pk.excludeCredentials) || [];
    }
    if (pk.extensions !== undefined) o.extensions = cleanExtensions(pk.extensions);
    dropNulls(o);
    return o;
  }

  function requestOptionsFromJSON(pk) {
    const o = Object.assign({}, pk);
    o.challenge = bufferFromBase64url(pk.challenge);
    if (pk.allowCredentials !== undefined) {
      o.allowCredentials = decodeDescriptors(pk.allowCredentials) || [];
    }
    if (pk.extensions !== undefined) o.extensions = cleanExtensions(pk.extensions);
    dropNulls(o);
    return o;
  }

  // A JSON null where WebIDL expects a dictionary member is a TypeError; absent is fine.
  function dropNulls(o) {
    Object.keys(o).forEach(function (k) {
      if (o[k] === null || o[k] === undefined) delete o[k];
    });
  }

  // ---- credential -> JSON (webauthn-rs RegisterPublicKeyCredential / PublicKeyCredential) ----

  function credentialToJSON(cred) {
    // Prefer the browser's own serialisation (WebAuthn L3), but only if it has the fields the
    // server needs; password-manager extensions that wrap navigator.credentials sometimes return
    // objects without a (working) toJSON.
    if (typeof cred.toJSON === 'function') {
      try {
        const j = cred.toJSON();
        if (j && typeof j.id === 'string' && typeof j.rawId === 'string' && j.response &&
            typeof j.response.clientDataJSON === 'string' &&
            (typeof j.response.attestationObject === 'string' ||
             (typeof j.response.authenticatorData === 'string' &&
              typeof j.response.signature === 'string'))) {
          // Send extension results under one key only: webauthn-rs accepts
          // "clientExtensionResults" and "extensions" as aliases, and both at once is an error.
          delete j.extensions;
          if (!j.clientExtensionResults) j.clientExtensionResults = {};
          return j;
        }
      } catch (e) {
        // fall through to the manual encoding
      }
    }
    return credentialToJSONManually(cred);
  }

  function credentialToJSONManually(cred) {
    const r = cred.response;
    const response = { clientDataJSON: base64urlFromBuffer(r.clientDataJSON) };
    if (r.attestationObject !== undefined) {
      response.attestationObject = base64urlFromBuffer(r.attestationObject);
      response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
    } else {
      response.authenticatorData = base64urlFromBuffer(r.authenticatorData);
      response.signature = base64urlFromBuffer(r.signature);
      response.userHandle = r.userHandle ? base64urlFromBuffer(r.userHandle) : null;
    }
    let ext = {};
    try {
      ext = extensionResultsToJSON(cred.getClientExtensionResults());
    } catch (e) {
      ext = {};
    }
    const out = {
      id: cred.id,
      rawId: base64urlFromBuffer(cred.rawId),
      type: cred.type,
      response: response,
      clientExtensionResults: ext,
    };
    if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
    return out;
  }

  // Binary values inside extension results become base64url; everything else is copied.
  function extensionResultsToJSON(value) {
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return base64urlFromBuffer(value);
    if (Array.isArray(value)) return value.map(extensionResultsToJSON);
    if (value && typeof value === 'object') {
      const out = {};
      Object.keys(value).forEach(function (k) { out[k] = extensionResultsToJSON(value[k]); });
      return out;
    }
    return value;
  }

  // ---- page plumbing ------------------------------------------------------------------------

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') || '' : '';
  }

  function isVietnamese() {
    return (document.documentElement.getAttribute('lang') || '').toLowerCase().indexOf('vi') === 0;
  }

  function message(button, kind) {
    const attr = button.getAttribute('data-msg-' + kind);
    if (attr) return attr;
    if (kind === 'unsupported') {
      const failed = button.getAttribute('data-msg-failed');
      if (failed) return failed;
    }
    const vi = isVietnamese();
    if (kind === 'cancelled') {
      return vi ? 'Thao tác với khóa truy cập đã bị hủy hoặc hết thời gian. Vui lòng thử lại.'
        : 'The passkey request was cancelled or timed out. Please try again.';
    }
    if (kind === 'unsupported') {
      return vi ? 'Trình duyệt này không hỗ trợ khóa truy cập.'
        : 'This browser does not support passkeys.';
    }
    return vi ? 'Không thể hoàn tất thao tác với khóa truy cập. Vui lòng thử lại.'
      : 'The passkey could not be used. Please try again.';
  }

  function errorElement(button) {
    const selector = button.getAttribute('data-error') || '#passkey-error';
    let el = null;
    try {
      el = document.querySelector(selector);
    } catch (e) {
      el = null;
    }
    if (!el) {
      el = document.createElement('p');
      el.className = 'passkey-error';
      el.hidden = true;
      button.insertAdjacentElement('afterend', el);
    }
    return el;
  }

  function showError(button, text) {
    const el = errorElement(button);
    el.textContent = text;
    el.setAttribute('role', 'alert');
    el.removeAttribute('hidden');
  }

  function clearError(button) {
    const el = errorElement(button);
    el.textContent = '';
    el.setAttribute('hidden', '');
  }

  // An error carrying a text that is safe to show as it is (from the server's JSON).
  class ServerError extends Error {
    constructor(text) {
      super(text);
      this.name = 'ServerError';
    }
  }

  async function postJSON(url, body) {
    const headers = { 'content-type': 'application/json', accept: 'application/json' };
    const token = csrfToken();
    if (token) headers['x-csrf-token'] = token;
    const res = await fetch(url, {
      method: 'POST',
      headers: headers,
      body: JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok || data === null || typeof data !== 'object') {
      if (data && typeof data.message === 'string' && data.message) {
        throw new ServerError(data.message);
      }
      throw new Error('HTTP ' + res.status + ' from ' + url);
    }
    return data;
  }

  function sameOriginRedirect(target) {
    if (typeof target !== 'string' || target === '') return null;
    try {
      const url = new URL(target, window.location.href);
      return url.origin === window.location.origin ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  async function runCeremony(button) {
    const mode = button.getAttribute('data-passkey');
    if (!window.PublicKeyCredential || !navigator.credentials) {
      throw new ServerError(message(button, 'unsupported'));
    }
    const start = await postJSON(button.getAttribute('data-start'), {});
    const options = start.options || {};
    const pk = options.publicKey || options;

    let credential;
    if (mode === 'register') {
      credential = await navigator.credentials.create({ publicKey: creationOptionsFromJSON(pk) });
    } else {
      // A button-initiated ceremony is always modal: any "mediation" the server sent
      // (e.g. "conditional", meant for autofill) is deliberately not passed on.
      credential = await navigator.credentials.get({ publicKey: requestOptionsFromJSON(pk) });
    }
    if (!credential) throw new Error('no credential returned');

    let label = '';
    const labelSelector = button.getAttribute('data-label-input');
    if (labelSelector) {
      const input = document.querySelector(labelSelector);
      if (input && typeof input.value === 'string') label = input.value.trim();
    }

    const finish = await postJSON(button.getAttribute('data-finish'), {
      ceremony: start.ceremony,
      response: credentialToJSON(credential),
      label: label,
    });
    return finish;
  }

  async function onClick(event) {
    const button = event.currentTarget;
    event.preventDefault();
    if (button.disabled || button.getAttribute('aria-busy') === 'true') return;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    clearError(button);
    let done = false;
    try {
      const result = await runCeremony(button);
      const target = sameOriginRedirect(result && result.redirect);
      done = true;
      if (target) window.location.assign(target);
      else window.location.reload();
    } catch (err) {
      let text;
      if (err instanceof ServerError) {
        text = err.message;
      } else if (err && (err.name === 'NotAllowedError' || err.name === 'AbortError')) {
        text = message(button, 'cancelled');
      } else {
        text = message(button, 'failed');
      }
      if (window.console && err && !(err instanceof ServerError)) {
        window.console.warn('passkey:', err && err.name, err && err.message);
      }
      showError(button, text);
    } finally {
      button.removeAttribute('aria-busy');
      if (!done) button.disabled = false;
    }
  }

  function init() {
    const buttons = document.querySelectorAll('[data-passkey]');
    for (let i = 0; i < buttons.length; i++) {
      const b = buttons[i];
      if (b.getAttribute('data-passkey-ready') === 'true') continue;
      b.setAttribute('data-passkey-ready', 'true');
      b.addEventListener('click', onClick);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
