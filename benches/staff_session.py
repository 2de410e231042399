#!/usr/bin/env python3
"""Sets up an agency officer the way a real one is set up, and prints a session token.

    benches/staff_session.py BIN DATABASE_URL BASE_URL POPULATION.csv

The officer is the first living person of the population file with a valid identity card:
bootstrapped from the console, activated with the code from the outbox, given a password and an
authenticator app (TOTP computed here, RFC 6238), signed in with the password and stepped up with
a TOTP code. Standard library only.
"""
import base64, csv, datetime, hashlib, hmac, json, re, struct, subprocess, sys, time, urllib.request

bin_, db_url, base, population = sys.argv[1:5]
phone = "0900000009"


def cli(*args):
    return subprocess.run([bin_, "--database-url", db_url, *args], check=True,
                          capture_output=True, text=True).stdout


def call(method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else None


def totp(secret_b32, at):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


today = datetime.date.today().isoformat()
with open(population, newline="", encoding="utf-8") as f:
    officer = next(r["personal_id"] for r in csv.DictReader(f)
                   if r["status"] == "living" and r["id_card_issued"]
                   and (not r["id_card_expires"] or r["id_card_expires"] > today))

cli("accounts", "bootstrap", "--personal-id", officer, "--phone", phone, "--role", "agency_officer")
code = re.search(r"\b(\d{6})\b", cli("outbox", "--to", phone, "--limit", "1")).group(1)
enrolment = call("POST", "/api/v1/accounts/activation", {"personal_id": officer, "code": code})["token"]
password = "bench officer pass phrase"
call("PUT", "/api/v1/accounts/me/password", {"password": password}, enrolment)
app = call("POST", "/api/v1/accounts/me/totp", token=enrolment)
call("POST", "/api/v1/accounts/me/totp/confirm",
     {"ceremony": app["ceremony"], "code": totp(app["secret"], time.time())}, enrolment)
first = call("POST", "/api/v1/sessions",
             {"personal_id": officer, "method": "password", "value": password})["token"]
time.sleep(30 - time.time() % 30 + 0.2)  # a TOTP code works once per 30-second step
strong = call("POST", "/api/v1/sessions/current/step-up",
              {"method": "totp", "value": totp(app["secret"], time.time())}, first)
print(strong["token"])
