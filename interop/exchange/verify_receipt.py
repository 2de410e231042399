"""Verifies a dinhdanh consent receipt with joserfc, independently of the platform's own code.

A receipt is a compact JWS (header typ "consent-receipt+jwt") signed with one of the OpenID
provider's keys, published at <issuer>/jwks. This checks the signature against that key set, the
header type, the issuer, and that the claims name the consent, the person, the agency, the data
and one purpose (Decree 13/2023/ND-CP Art 11). On success it prints the claims as JSON and exits
0; otherwise it prints why and exits 1.

    python verify_receipt.py --jwks https://id.example.vn/jwks --issuer https://id.example.vn < receipt.jwt
    python verify_receipt.py --jwks-file jwks.json receipt.jwt
"""

import argparse
import json
import sys
import urllib.request

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

REQUIRED = ["iss", "jti", "iat", "personal_id", "controller", "service", "data", "purpose",
            "given_at", "rights", "ledger"]


def verify(token, key_set, issuer=None):
    """Returns the receipt's claims, or raises ValueError saying what is wrong."""
    try:
        signed = jws.deserialize_compact(token.strip(), key_set, algorithms=["ES256", "EdDSA", "PS256", "RS256"])
    except (JoseError, ValueError) as e:
        raise ValueError(f"the signature does not verify: {e}") from e
    header = signed.headers()
    if header.get("typ") != "consent-receipt+jwt":
        raise ValueError(f"not a consent receipt: typ is {header.get('typ')!r}")
    claims = json.loads(signed.payload)
    missing = [name for name in REQUIRED if name not in claims]
    if missing:
        raise ValueError(f"claims missing: {', '.join(missing)}")
    if issuer is not None and claims["iss"] != issuer:
        raise ValueError(f"issued by {claims['iss']!r}, not {issuer!r}")
    if not isinstance(claims["purpose"], dict) or not claims["purpose"].get("code"):
        raise ValueError("a receipt names exactly one purpose")
    if not claims["data"]:
        raise ValueError("a receipt names the data it covers")
    return claims


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("receipt", nargs="?", help="file with the receipt (default: stdin)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--jwks", help="URL of the provider's JWK Set")
    source.add_argument("--jwks-file", help="file with the provider's JWK Set")
    parser.add_argument("--issuer", help="the issuer the receipt must name")
    args = parser.parse_args(argv)
    if args.jwks:
        with urllib.request.urlopen(args.jwks, timeout=10) as response:
            jwks = json.load(response)
    else:
        with open(args.jwks_file, encoding="utf-8") as f:
            jwks = json.load(f)
    token = open(args.receipt, encoding="utf-8").read() if args.receipt else sys.stdin.read()
    try:
        claims = verify(token, KeySet.import_key_set(jwks), args.issuer)
    except ValueError as e:
        print(f"receipt rejected: {e}", file=sys.stderr)
        return 1
    print(json.dumps(claims, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
