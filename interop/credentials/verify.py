#!/usr/bin/env python3
"""Independent SD-JWT VC verifier and holder: the OpenWallet Foundation's reference SD-JWT
implementation (PyPI sd-jwt, module sd_jwt) checks a credential issued by dinhdanh, makes a
key-bound presentation of it and verifies that presentation.

Tested with: sd-jwt==0.10.4 (jwcrypto==1.6.1; see requirements.txt). Python >= 3.9.

    env DD_CREDENTIAL    the issued SD-JWT VC ("<jwt>~<disclosure>~...~")
        DD_ISSUER_JWKS   the issuer's JWK Set (JSON {"keys": [...]}, public keys)
        DD_HOLDER_JWK    the holder's private JWK (JSON, EC P-256 with d)
        DD_AUD DD_NONCE  the KB-JWT audience and nonce
        [DD_DISCLOSE]    comma-separated top-level claim names to disclose, each with
                         everything nested under it; unset: all, empty: none
    python interop/credentials/verify.py

Steps:
  (a) verify the issued credential without key binding: signature with the JWKS key named by
      the header kid, header typ "dc+sd-jwt" and alg "ES256" (checked in cb_get_issuer_key:
      the library checks neither), and, as the library does not, exp/iat/nbf (integer
      seconds), every disclosure referenced exactly once, and cnf.jwk == the holder's public key;
  (b) as the holder, present only the DD_DISCLOSE claims with a KB-JWT (nonce, aud, holder key);
  (c) verify that presentation with expected_aud / expected_nonce (library: signature with
      cnf.jwk, typ kb+jwt, aud, nonce, sd_hash), then re-check it as a strict RFC 9901 verifier
      would: KB-JWT typ kb+jwt and alg ES256, iat an integer number of seconds close to now,
      sd_hash over the presented "<jwt>~<disclosures>~", every disclosure referenced exactly
      once (no unreferenced or duplicate disclosure).

Prints ONE JSON object on stdout:
    {"issued_claims": {...}, "presentation": "<jwt>~...~<kb-jwt>", "presented_claims": {...}}
Any failure: message on stderr, exit code 1.
"""

import base64
import hashlib
import json
import os
import sys
import time

from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder
from sd_jwt.verifier import SDJWTVerifier

SD_JWT_TYP = "dc+sd-jwt"
KB_JWT_TYP = "kb+jwt"
ALG = "ES256"
SKEW = 30  # seconds
KB_MAX_AGE = 300  # seconds


def env(name):
    value = os.environ.get(name)
    if not value:
        raise ValueError(f"missing environment variable {name}")
    return value


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64url_json(s):
    return json.loads(b64url_decode(s))


def digest(disclosure):
    """RFC 9901 digest: base64url(SHA-256(ASCII(base64url disclosure)))."""
    h = hashlib.sha256(disclosure.encode("ascii")).digest()
    return base64.urlsafe_b64encode(h).rstrip(b"=").decode("ascii")


def public_members(jwk):
    return {m: jwk[m] for m in ("kty", "crv", "x", "y")}


def issuer_key_callback(jwks):
    keys = jwks.get("keys")
    if not isinstance(keys, list):
        raise ValueError("DD_ISSUER_JWKS has no keys array")

    def cb_get_issuer_key(_iss, header):
        if header.get("typ") != SD_JWT_TYP:
            raise ValueError(f"issuer JWT typ {header.get('typ')!r}, expected {SD_JWT_TYP!r}")
        if header.get("alg") != ALG:
            raise ValueError(f"issuer JWT alg {header.get('alg')!r}, expected {ALG!r}")
        kid = header.get("kid")
        matches = [k for k in keys if k.get("kid") == kid] if isinstance(kid, str) else []
        if len(matches) != 1:
            raise ValueError(f"kid {kid!r} does not name exactly one key of the issuer JWKS")
        jwk = matches[0]
        if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
            raise ValueError(f"issuer key {kid!r} is not an EC P-256 key")
        return JWK(**public_members(jwk))

    return cb_get_issuer_key


def split_sd_jwt(sd_jwt):
    """(issuer JWT, [disclosures], KB-JWT or '') of a compact SD-JWT (with or without KB)."""
    parts = sd_jwt.split("~")
    if len(parts) < 2:
        raise ValueError("not an SD-JWT (no '~')")
    return parts[0], parts[1:-1], parts[-1]


def full_frame(node, disclosures):
    """The SDJWTHolder claims_to_disclose structure disclosing everything under `node` (a part
    of the issuer-signed payload). Array positions follow the payload, decoys included."""
    if isinstance(node, list):
        frame = []
        for element in node:
            if isinstance(element, dict) and len(element) == 1 and isinstance(element.get("..."), str):
                if element["..."] in disclosures:
                    frame.append(full_frame(disclosures[element["..."]][-1], disclosures) or True)
                else:
                    frame.append(False)  # decoy digest
            else:
                frame.append(full_frame(element, disclosures) or True)
        return frame
    if isinstance(node, dict):
        frame = {}
        for key, value in node.items():
            if key == "_sd":
                for d in value:
                    if d in disclosures:
                        _salt, name, claim = disclosures[d]
                        frame[name] = full_frame(claim, disclosures) or True
            elif key != "_sd_alg":
                frame[key] = full_frame(value, disclosures) or True
        return frame
    return True


def check_times(claims, now):
    for name in ("iat", "exp", "nbf"):
        if name in claims and (not isinstance(claims[name], int) or isinstance(claims[name], bool)):
            raise ValueError(f"{name} is not an integer NumericDate: {claims[name]!r}")
    if "exp" not in claims or claims["exp"] + SKEW < now:
        raise ValueError("credential expired or without exp")
    if "iat" not in claims or claims["iat"] - SKEW > now:
        raise ValueError("credential iat missing or in the future")
    if "nbf" in claims and claims["nbf"] - SKEW > now:
        raise ValueError("credential not yet valid (nbf)")


def strict_presentation_check(presentation, aud, nonce, now):
    """What a strict RFC 9901 verifier checks beyond the library (which already verified the
    signatures): the shape of the KB-JWT, sd_hash, and that the disclosures are exactly a set
    of referenced ones."""
    jwt, presented, kb = split_sd_jwt(presentation)
    if not kb:
        raise ValueError("presentation has no KB-JWT")
    kb_header = b64url_json(kb.split(".")[0])
    kb_payload = b64url_json(kb.split(".")[1])
    if kb_header.get("typ") != KB_JWT_TYP or kb_header.get("alg") != ALG:
        raise ValueError(f"KB-JWT header {kb_header}")
    iat = kb_payload.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool) or abs(now - iat) > KB_MAX_AGE:
        raise ValueError(f"KB-JWT iat {iat!r} is not a NumericDate in seconds close to now ({now})")
    if kb_payload.get("aud") != aud or kb_payload.get("nonce") != nonce:
        raise ValueError("KB-JWT aud/nonce")
    sd_hash = digest(presentation[: presentation.rindex("~") + 1])
    if kb_payload.get("sd_hash") != sd_hash:
        raise ValueError("KB-JWT sd_hash does not match the presented SD-JWT")
    check_disclosures(jwt, presented)


def check_disclosures(jwt, disclosures):
    """Every disclosure is referenced exactly once, from the issuer-signed payload or from
    another of the disclosures (RFC 9901 rejects unreferenced and duplicate disclosures;
    the library accepts them silently)."""
    if len(set(disclosures)) != len(disclosures):
        raise ValueError("duplicate disclosure")
    by_digest = {digest(d): b64url_json(d) for d in disclosures}
    seen = set()

    def reference(ref):
        if ref in by_digest:
            if ref in seen:
                raise ValueError(f"digest {ref} referenced twice")
            seen.add(ref)
            walk(by_digest[ref][-1])

    def walk(node):
        if isinstance(node, list):
            for element in node:
                if isinstance(element, dict) and len(element) == 1 and "..." in element:
                    reference(element["..."])
                else:
                    walk(element)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "_sd":
                    for ref in value:
                        reference(ref)
                else:
                    walk(value)

    walk(b64url_json(jwt.split(".")[1]))
    if seen != set(by_digest):
        raise ValueError(f"{len(set(by_digest) - seen)} disclosure(s) not referenced")


def main():
    credential = env("DD_CREDENTIAL").strip()
    jwks = json.loads(env("DD_ISSUER_JWKS"))
    holder_jwk = json.loads(env("DD_HOLDER_JWK"))
    aud = env("DD_AUD")
    nonce = env("DD_NONCE")
    raw_disclose = os.environ.get("DD_DISCLOSE")
    disclose = None if raw_disclose is None else [n.strip() for n in raw_disclose.split(",") if n.strip()]

    if "d" not in holder_jwk:
        raise ValueError("DD_HOLDER_JWK is not a private key (no d)")
    holder_key = JWK(**holder_jwk)
    cb = issuer_key_callback(jwks)
    now = int(time.time())

    # (a) the issued credential, no key binding
    jwt, disclosures, kb = split_sd_jwt(credential)
    if kb:
        raise ValueError("DD_CREDENTIAL must be an issued SD-JWT (ending with '~'), not a presentation")
    issued_claims = SDJWTVerifier(credential, cb, serialization_format="compact").get_verified_payload()
    check_times(issued_claims, now)
    check_disclosures(jwt, disclosures)
    cnf = (issued_claims.get("cnf") or {}).get("jwk") or {}
    if "d" in cnf or {m: cnf.get(m) for m in ("kty", "crv", "x", "y")} != public_members(holder_jwk):
        raise ValueError("cnf.jwk is not the holder's public key")

    # (b) the holder's presentation
    payload = b64url_json(jwt.split(".")[1])
    decoded = {digest(d): b64url_json(d) for d in disclosures}
    frame = full_frame(payload, decoded)
    if disclose is not None:
        unknown = [n for n in disclose if n not in issued_claims]
        if unknown:
            raise ValueError(f"DD_DISCLOSE names claims the credential does not have: {', '.join(unknown)}")
        frame = {name: value for name, value in frame.items() if name in disclose}
    holder = SDJWTHolder(credential, serialization_format="compact")
    holder.create_presentation(frame, nonce=nonce, aud=aud, holder_key=holder_key, sign_alg=ALG)
    presentation = holder.sd_jwt_presentation

    # (c) verify it: the library, then the strict checks
    presented_claims = SDJWTVerifier(
        presentation, cb, expected_aud=aud, expected_nonce=nonce, serialization_format="compact"
    ).get_verified_payload()
    strict_presentation_check(presentation, aud, nonce, int(time.time()))

    json.dump(
        {"issued_claims": issued_claims, "presentation": presentation, "presented_claims": presented_claims},
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # noqa: BLE001 - one line on stderr, exit 1
        sys.stderr.write(f"verify.py: FAILED: {type(err).__name__}: {err}\n")
        if os.environ.get("DD_DEBUG"):
            import traceback

            traceback.print_exc()
        sys.exit(1)
