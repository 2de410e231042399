"""Verifies a dinhdanh application result with joserfc, independently of the platform's own code.

A result is a compact JWS (header typ "application-result+jwt") signed with one of the OpenID
provider's keys, published at <issuer>/jwks. This checks the signature against that key set, the
header type, the issuer, and that the claims say what was decided, for whom, by which agency,
under which procedure and when. On success it prints the claims as JSON and exits 0; otherwise
it prints why and exits 1.

    python verify_result.py --jwks https://id.example.vn/jwks --issuer https://id.example.vn < result.jwt
    python verify_result.py --jwks-file jwks.json result.jwt
"""

import argparse
import json
import sys
import urllib.request

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

REQUIRED = ["iss", "jti", "iat", "application", "procedure", "agency", "holder", "outcome",
            "decided_at", "verify_at"]


def verify(token, key_set, issuer=None):
    """Returns the result's claims, or raises ValueError saying what is wrong."""
    try:
        signed = jws.deserialize_compact(token.strip(), key_set, algorithms=["ES256"])
    except (JoseError, ValueError) as e:
        raise ValueError(f"the signature does not verify: {e}") from e
    header = signed.headers()
    if header.get("typ") != "application-result+jwt":
        raise ValueError(f"not an application result: typ is {header.get('typ')!r}")
    claims = json.loads(signed.payload)
    missing = [name for name in REQUIRED if name not in claims]
    if missing:
        raise ValueError(f"claims missing: {', '.join(missing)}")
    if issuer is not None and claims["iss"] != issuer:
        raise ValueError(f"issued by {claims['iss']!r}, not {issuer!r}")
    if claims["outcome"] not in ("approved", "refused"):
        raise ValueError(f"the outcome {claims['outcome']!r} is not a decision")
    if not claims["verify_at"].endswith("/services/results/" + claims["jti"]):
        raise ValueError("the verification address does not name this result")
    return claims


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result", nargs="?", help="file with the result (default: stdin)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--jwks", help="URL of the provider's JWK Set")
    source.add_argument("--jwks-file", help="file with the provider's JWK Set")
    parser.add_argument("--issuer", help="the issuer the result must name")
    args = parser.parse_args(argv)
    if args.jwks:
        with urllib.request.urlopen(args.jwks, timeout=10) as response:
            jwks = json.load(response)
    else:
        with open(args.jwks_file, encoding="utf-8") as f:
            jwks = json.load(f)
    if args.result:
        with open(args.result, encoding="utf-8") as f:
            token = f.read()
    else:
        token = sys.stdin.read()
    try:
        claims = verify(token, KeySet.import_key_set(jwks), args.issuer)
    except ValueError as e:
        print(f"rejected: {e}", file=sys.stderr)
        return 1
    print(json.dumps(claims, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
