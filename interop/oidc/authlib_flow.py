#!/usr/bin/env python3
"""Independent-client interop check: OpenID Connect code flow against the
dinhdanh issuer with Authlib (requests integration).

Tested with: Authlib==1.9.10 requests==2.34.2 (joserfc==1.8.0, Authlib's own JOSE
dependency; see requirements.txt). Python >= 3.9.

    env DD_ISSUER DD_CLIENT_ID DD_CLIENT_SECRET DD_REDIRECT_URI DD_PERSONAL_ID DD_PASSWORD \
        [DD_DEBUG=1] python interop/oidc/authlib_flow.py

Flow: discovery -> authorization request (client_secret_basic client, PKCE S256,
state, nonce, scope "openid profile") -> scripted login/consent through the
server-rendered pages -> fetch_token -> ID token checked against the issuer's
JWKS (signature, alg from discovery, iss, aud, exp, iat, nonce, azp, at_hash) ->
userinfo with the access token (sub must match).

Prints ONE JSON object on stdout: {"id_token_claims": {...}, "userinfo": {...}}.
Any failure: message on stderr, exit code 1.

ID token validation uses authlib.oidc.core.CodeIDToken over joserfc, exactly as
Authlib 1.9's own OpenID client does (authlib.jose is deprecated since 1.7 and
prints a warning).
"""

import json
import os
import sys
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import KeySet

MAX_REDIRECTS = 10  # consecutive redirects
MAX_STEPS = 25  # total HTTP requests in one login
TIMEOUT = 15


class Failure(Exception):
    pass


def env(name):
    value = os.environ.get(name)
    if not value:
        raise Failure(f"missing environment variable {name}")
    return value


def debug(msg):
    if os.environ.get("DD_DEBUG"):
        print(f"  {msg}", file=sys.stderr)


class FormFinder(HTMLParser):
    """Collects <form id=...> elements with their hidden inputs and submit buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = {}
        self._current = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._current = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "hidden": [],
                "submits": [],
            }
            if a.get("id"):
                self.forms[a["id"]] = self._current
        elif tag in ("input", "button") and self._current is not None and a.get("name"):
            kind = a.get("type", "submit" if tag == "button" else "text").lower()
            if kind == "hidden":
                self._current["hidden"].append((a["name"], a.get("value", "")))
            elif kind == "submit":
                self._current["submits"].append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def remember_cookies(jar, response):
    """Keeps the pages' cookies by hand. Browsers treat http://localhost as a secure context and
    send `Secure` cookies there; Python's cookie jar does not (nor does it match the host name
    "localhost"), so the flow carries its cookies itself, as a browser would."""
    for header in response.raw.headers.getlist("Set-Cookie"):
        pair = header.split(";", 1)[0]
        name, _, value = pair.partition("=")
        if "max-age=0" in header.lower():
            jar.pop(name.strip(), None)
        else:
            jar[name.strip()] = value.strip()


def find_form(html, form_id):
    finder = FormFinder()
    finder.feed(html)
    finder.close()
    return finder.forms.get(form_id)


def login_through_pages(http, start_url, issuer, redirect_uri, personal_id, password):
    """Follow the authorization request through the login (and consent) pages.

    Redirects are followed by hand; the login and consent forms are filled when
    they appear. Returns the URL of the redirect to redirect_uri (never requested).
    """
    target = urlsplit(redirect_uri)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(issuer))
    url, method, data = start_url, "GET", None
    redirects = 0
    posted = {"login": 0, "consent": 0}
    jar = {}

    for _ in range(MAX_STEPS):
        headers = {"Accept": "text/html"}
        if method == "POST":
            headers["Origin"] = origin
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        res = http.request(method, url, data=data, headers=headers, allow_redirects=False, timeout=TIMEOUT)
        remember_cookies(jar, res)
        where = f"{method} {urlsplit(url).path}"
        debug(f"{where} -> {res.status_code} {res.headers.get('Location', '')}")

        if 300 <= res.status_code < 400:
            location = res.headers.get("Location")
            if not location:
                raise Failure(f"{where}: {res.status_code} without Location")
            nxt = urljoin(url, location)
            parts = urlsplit(nxt)
            if (parts.scheme, parts.netloc, parts.path) == (target.scheme, target.netloc, target.path):
                return nxt
            redirects += 1
            if redirects > MAX_REDIRECTS:
                raise Failure(f"more than {MAX_REDIRECTS} redirects (last {where})")
            url, method, data = nxt, "GET", None
            continue

        redirects = 0
        if res.status_code != 200:
            raise Failure(f"{where}: unexpected HTTP {res.status_code}: {res.text[:500]}")

        form = find_form(res.text, "login")
        if form is not None:
            if posted["login"]:
                raise Failure(f"{where}: login form shown again (credentials rejected?)")
            posted["login"] += 1
            fields = form["hidden"] + [("personal_id", personal_id), ("password", password)]
        else:
            form = find_form(res.text, "consent")
            if form is None:
                raise Failure(f"{where}: page has neither a login nor a consent form: {res.text[:500]}")
            if posted["consent"]:
                raise Failure(f"{where}: consent form shown again")
            posted["consent"] += 1
            fields = form["hidden"] + [("decision", "allow")]
        if form["method"] != "post":
            raise Failure(f"{where}: form method is {form['method']}, expected post")
        url, method, data = urljoin(url, form["action"] or url), "POST", fields

    raise Failure(f"login did not reach {redirect_uri} within {MAX_STEPS} requests")


def main():
    issuer = env("DD_ISSUER").rstrip("/")
    client_id = env("DD_CLIENT_ID")
    client_secret = env("DD_CLIENT_SECRET")
    redirect_uri = env("DD_REDIRECT_URI")
    personal_id = env("DD_PERSONAL_ID")
    password = env("DD_PASSWORD")

    if urlsplit(issuer).scheme == "http" and urlsplit(issuer).hostname in ("localhost", "127.0.0.1", "::1"):
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # tests run on http://localhost:PORT

    http = requests.Session()  # the citizen's browser: cookie jar for the pages

    try:
        res = http.get(f"{issuer}/.well-known/openid-configuration", timeout=TIMEOUT)
        res.raise_for_status()
        meta = res.json()
    except (requests.RequestException, ValueError) as e:
        raise Failure(f"discovery of {issuer}: {e}") from e
    if meta.get("issuer") != issuer:
        raise Failure(f"discovery: issuer is {meta.get('issuer')!r}, expected {issuer!r}")
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        if not meta.get(key):
            raise Failure(f"discovery: no {key}")

    oauth = OAuth2Session(
        client_id,
        client_secret,
        scope="openid profile",
        redirect_uri=redirect_uri,
        token_endpoint_auth_method="client_secret_basic",
        code_challenge_method="S256",
    )
    code_verifier = generate_token(64)
    nonce = generate_token(32)
    auth_url, state = oauth.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=code_verifier, nonce=nonce
    )

    callback = login_through_pages(http, auth_url, issuer, redirect_uri, personal_id, password)
    params = parse_qs(urlsplit(callback).query)
    if "error" in params:
        raise Failure(f"authorization error: {params['error'][0]} {params.get('error_description', [''])[0]}")
    if params.get("state") != [state]:
        raise Failure(f"state mismatch in {callback}")
    # RFC 9207: authlib does not check `iss`; do it here.
    if "iss" in params or meta.get("authorization_response_iss_parameter_supported"):
        if params.get("iss") != [issuer]:
            raise Failure(f"iss in authorization response is {params.get('iss')}, expected {issuer}")

    try:
        token = oauth.fetch_token(
            meta["token_endpoint"],
            authorization_response=callback,
            state=state,
            code_verifier=code_verifier,
        )
    except Exception as e:  # authlib raises OAuthError / requests errors
        raise Failure(f"fetch_token: {type(e).__name__}: {e}") from e
    if "id_token" not in token:
        raise Failure(f"token response has no id_token: {sorted(token)}")
    if str(token.get("token_type", "")).lower() != "bearer":
        raise Failure(f"token_type is {token.get('token_type')!r}, expected Bearer")

    # ID token: signature against the issuer's JWKS, then OIDC claim checks.
    try:
        jwks = http.get(meta["jwks_uri"], timeout=TIMEOUT)
        jwks.raise_for_status()
        key_set = KeySet.import_key_set(jwks.json())
        algs = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
        decoded = jwt.decode(token["id_token"], key_set, algorithms=algs)
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {
                "iss": {"essential": True, "value": issuer},
                "aud": {"essential": True, "value": client_id},
                "exp": {"essential": True},
                "iat": {"essential": True},
                "sub": {"essential": True},
                "nonce": {"essential": True, "value": nonce},
            },
            {"nonce": nonce, "client_id": client_id, "access_token": token["access_token"]},
        )
        claims.validate(leeway=60)
    except Exception as e:
        raise Failure(f"ID token validation: {type(e).__name__}: {e}") from e

    try:
        res = oauth.get(meta["userinfo_endpoint"], timeout=TIMEOUT)
        res.raise_for_status()
        userinfo = res.json()
    except (requests.RequestException, ValueError) as e:
        raise Failure(f"userinfo: {e}") from e
    if userinfo.get("sub") != claims["sub"]:
        raise Failure(f"userinfo sub {userinfo.get('sub')!r} differs from ID token sub {claims['sub']!r}")

    print(json.dumps({"id_token_claims": dict(claims), "userinfo": userinfo}))


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        print(f"authlib_flow.py: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception as e:
        print(f"authlib_flow.py: FAILED: unexpected {type(e).__name__}: {e}", file=sys.stderr)
        if os.environ.get("DD_DEBUG"):
            import traceback

            traceback.print_exc()
        sys.exit(1)
