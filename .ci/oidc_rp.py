"""A municipality's service signing citizens in with tillit's eID, as a relying party built on
authlib (a real OpenID Connect client library; the ID token checked with joserfc, the JOSE
library authlib now points to), against a node serving the demo's data.

For each demo citizen (a key card, and a code display whose codes pyotp computes): discovery,
an authorization request with PKCE S256 and a nonce (authlib), the citizen's two sign-in
steps in the node's pages (as a browser posts them), the code exchanged by authlib, and the
ID token validated with joserfc against the provider's published keys (signature, iss, aud,
exp, nonce) with the NSIS level as acr; then userinfo with the access token. After that, an
officer of the citizen service revokes the first citizen's eID over the API (TLS client
certificate and the officer's signature over the action, as any API client makes them), and
the same sign-in is refused.

Usage: oidc_rp.py PLAIN_BASE HTTPS_BASE CHAIN_PEM DEMO_JSON
"""

import base64
import hashlib
import json
import re
import secrets
import sys
import tempfile
import time
import uuid
from urllib.parse import parse_qs, urlparse

import pyotp
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

plain, https, chain_pem, demo_json = sys.argv[1:5]
demo = json.load(open(demo_json))
dk = demo["dk"]
client_id = dk["client"]["client_id"]
redirect_uri = dk["client"]["redirect_uri"]
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


discovery = requests.get(f"{plain}/.well-known/openid-configuration", timeout=30).json()
issuer = discovery["issuer"]
check(issuer == plain, f"the issuer is the node's public base URL ({issuer})")
check("S256" in discovery["code_challenge_methods_supported"], "PKCE S256 is offered")
jwks = KeySet.import_key_set(requests.get(discovery["jwks_uri"], timeout=30).json())


def code_for(page, citizen):
    """The one-time code the page asks for: the key card's, or the code display's now."""
    key = re.search(r'<label for="code">[^<]*?(\d{4})</label>', page)
    if key and citizen["key_card"]:
        for pair in citizen["key_card"]:
            if pair["key"] == key.group(1):
                return pair["code"]
        raise SystemExit(f"key {key.group(1)} is not on the demo citizen's card")
    # The next time step's code (the provider accepts one step of drift): the demo used the
    # current step moments ago at activation, and a step is never accepted twice.
    return pyotp.TOTP(citizen["totp_seed"]).at(time.time() + 30)


def sign_in(citizen):
    """Authorization request → the citizen's pages → the code back; the token response."""
    session = OAuth2Session(client_id, redirect_uri=redirect_uri, scope="openid",
                            code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = session.create_authorization_url(discovery["authorization_endpoint"],
                                                  code_verifier=verifier, nonce=nonce)
    browser = requests.Session()
    browser.headers["Origin"] = plain
    r = browser.get(url, allow_redirects=False, timeout=30)
    if r.status_code != 303:
        return None, r.status_code, r.text
    sign_in_page = plain + r.headers["location"]
    request_id = parse_qs(urlparse(sign_in_page).query)["request"][0]
    r = browser.post(f"{plain}/eid/sign-in", data={
        "request": request_id, "user_id": citizen["user_id"], "passcode": citizen["passcode"]},
        allow_redirects=False, timeout=30)
    if r.status_code != 200:
        return None, r.status_code, r.text
    r = browser.post(f"{plain}/eid/sign-in/code", data={
        "request": request_id, "code": code_for(r.text, citizen)}, allow_redirects=False, timeout=60)
    if r.status_code != 303:
        return None, r.status_code, r.text
    back = r.headers["location"]
    query = parse_qs(urlparse(back).query)
    check(query.get("state") == [state], "the state comes back")
    check(query.get("iss") == [issuer], "the issuer is named in the response (RFC 9207)")
    token = session.fetch_token(discovery["token_endpoint"], authorization_response=back,
                                code_verifier=verifier)
    decoded = jwt.decode(token["id_token"], jwks, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        nonce={"essential": True, "value": nonce},
        sub={"essential": True},
        acr={"essential": True},
        exp={"essential": True},
    ).validate(decoded.claims)
    return (token, decoded.claims), 200, ""


for citizen in dk["citizens"]:
    label = "key card" if citizen["key_card"] else "code display"
    result, status, body = sign_in(citizen)
    check(result is not None, f"a citizen signs in with user id, passcode and a {label} (status {status})")
    if result is None:
        print(body[:500])
        continue
    token, claims = result
    expected = f"https://data.gov.dk/concept/core/nsis/loa/{citizen['assurance'].capitalize()}"
    check(claims["acr"] == expected, f"acr is the registration's NSIS level ({claims['acr']})")
    check(citizen["person"] not in claims["sub"], "the subject is a pseudonym")
    info = requests.get(discovery["userinfo_endpoint"],
                        headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=30).json()
    check(info.get("sub") == claims["sub"], "userinfo knows the same subject")

# Revocation at the desk, over the API as any client makes the request.
officer = next(o for o in dk["officers"] if o["role"] == "dk_ra_employee")
key, cert, _ = pkcs12.load_key_and_certificates(open(officer["p12"], "rb").read(),
                                                officer["p12_password"].encode())
pem = tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False)
pem.write(cert.public_bytes(serialization.Encoding.PEM))
pem.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()))
pem.close()
first = dk["citizens"][0]
path = f"/api/v1/dk/accounts/{first['account']}/revocation"
body = json.dumps({
    "office": dk["office"], "action": "revoke", "reason": "stolen",
    "requester": {"requester": "citizen_by_phone", "verified": True},
    "passcode": True, "authenticators": "all", "certificates": "all",
}).encode()
idempotency = str(uuid.uuid4())
text = (f"tillit-action-v1\nPOST {path}\nidempotency-key: {idempotency}\n"
        f"content-sha256: {hashlib.sha256(body).hexdigest()}")
signature = base64.b64encode(key.sign(text.encode(), ec.ECDSA(hashes.SHA256()))).decode()
r = requests.post(f"{https}{path}", data=body, cert=pem.name, verify=chain_pem, timeout=60, headers={
    "content-type": "application/json", "idempotency-key": idempotency,
    "tillit-signature": f'keyid="{officer["serial"]}", signature="{signature}"'})
check(r.status_code == 200, f"the officer revokes the eID over the API (status {r.status_code})")
if r.status_code != 200:
    print(r.text[:500])
result, status, _ = sign_in(first)
check(result is None and status == 403, f"the revoked eID signs in no more (status {status})")

if failures:
    raise SystemExit(f"{len(failures)} check(s) failed")
print("the relying party's checks passed")
