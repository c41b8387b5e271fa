"""Writes tests/sign/vectors.json: decision-set tokens made by PyJWT (an
independent JOSE implementation, not the one Vexil signs with), with fixed
keys, for every stack's verifier to check: the valid tokens' claims exactly,
and each refusal's code.

    target/pyjose/bin/python tests/sign/tools/make_vectors.py > tests/sign/vectors.json

(`cargo xtask test` sets up target/pyjose.) The keys are test keys, fixed
here so the vectors are stable; never use them for anything else.
"""
import base64
import hashlib
import hmac
import json

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


SEED = bytes(range(1, 33))
ed = Ed25519PrivateKey.from_private_bytes(SEED)
x = ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
ED_PRIVATE = {"kty": "OKP", "crv": "Ed25519", "x": b64(x), "d": b64(SEED), "kid": "ed-1", "alg": "EdDSA", "use": "sig"}
SECRET = hashlib.sha256(b"vexil test vectors: not a real secret").digest()
HS_KEY = {"kty": "oct", "k": b64(SECRET), "kid": "hs-1", "alg": "HS256", "use": "sig"}
PUBLIC = {"keys": [{k: v for k, v in ED_PRIVATE.items() if k != "d"}, HS_KEY]}

NOW = 1790000000
CLAIMS = {
    "iss": "vectors",
    "iat": NOW - 60,
    "exp": NOW + 3600,
    "jti": "00112233445566778899aabbccddeeff",
    "cid": "order-42",
    "vexil": {
        "ruleset": "orders",
        "ruleset_version": "0123456789abcdef",
        "now": "2026-09-21T12:00:00.000Z",
        "decisions": {
            "big": {"value": 9007199254740993, "variant": "9007199254740993", "reason": "STATIC"},
            "ratio": {"value": 0.1, "variant": "0.1", "reason": "STATIC"},
            "mode": {"value": "DUAL_WRITE", "variant": "DUAL_WRITE", "reason": "TARGETING_MATCH", "rule": "pro"},
            "label": {"value": "é \"q\" ✓", "variant": "é \"q\" ✓", "reason": "DEFAULT"},
            "on": {"value": True, "variant": "true", "reason": "SPLIT", "rule": "half"},
        },
    },
}
HEADER = {"typ": "vexil-decisions+jwt"}


def ed_token(claims, **header):
    return jwt.encode(claims, ed, algorithm="EdDSA", headers={**HEADER, "kid": "ed-1", **header})


def hs_token(claims, key=SECRET, kid="hs-1", **header):
    return jwt.encode(claims, key, algorithm="HS256", headers={**HEADER, "kid": kid, **header})


def raw(header, payload, signature=b""):
    return ".".join([b64(json.dumps(header).encode()), b64(json.dumps(payload).encode()), b64(signature)])


valid_ed = ed_token(CLAIMS)
valid_hs = hs_token(CLAIMS)
h, p, s = valid_ed.split(".")
tampered = dict(CLAIMS, iss="mallory")
confused_input = f"{b64(json.dumps({**HEADER, 'alg': 'HS256', 'kid': 'ed-1'}).encode())}.{p}".encode()
confused = confused_input.decode() + "." + b64(hmac.new(x, confused_input, hashlib.sha256).digest())

refusals = [
    {"name": "tampered payload", "token": f"{h}.{b64(json.dumps(tampered).encode())}.{s}", "code": "bad_signature"},
    {"name": "tampered header", "token": f"{b64(json.dumps({**HEADER, 'alg': 'EdDSA', 'kid': 'ed-1', 'x': 1}).encode())}.{p}.{s}", "code": "bad_signature"},
    {"name": "wrong key", "token": hs_token(CLAIMS, key=b"another secret, 32 bytes long!!!"), "code": "bad_signature"},
    {"name": "alg none", "token": raw({"alg": "none", "kid": "ed-1"}, CLAIMS), "code": "alg_none"},
    {"name": "alg RS256", "token": f"{b64(json.dumps({**HEADER, 'alg': 'RS256', 'kid': 'ed-1'}).encode())}.{p}.{s}", "code": "algorithm_not_allowed"},
    {"name": "HS256 signed with the Ed25519 public key", "token": confused, "code": "algorithm_mismatch"},
    {"name": "unknown kid", "token": hs_token(CLAIMS, kid="nobody"), "code": "unknown_kid"},
    {"name": "no kid", "token": jwt.encode(CLAIMS, SECRET, algorithm="HS256", headers=HEADER), "code": "no_kid"},
    {"name": "wrong typ", "token": hs_token(CLAIMS, typ="JWT"), "code": "wrong_type"},
    {"name": "expired", "token": ed_token(dict(CLAIMS, iat=NOW - 7200, exp=NOW - 3600)), "code": "expired"},
    {"name": "not yet valid (nbf)", "token": ed_token(dict(CLAIMS, nbf=NOW + 600)), "code": "not_yet_valid"},
    {"name": "issued in the future", "token": ed_token(dict(CLAIMS, iat=NOW + 600, exp=NOW + 4200)), "code": "not_yet_valid"},
    {"name": "oversize", "token": valid_ed + "A" * (17 * 1024), "code": "too_large"},
    {"name": "not a JWT", "token": "hello", "code": "not_a_jwt"},
    {"name": "two parts", "token": f"{h}.{p}", "code": "not_a_jwt"},
]

print(json.dumps({
    "description": "Decision-set tokens made by PyJWT " + jwt.__version__ + " with fixed test keys (tests/sign/tools/make_vectors.py). Verify at `now`.",
    "now": NOW,
    "public_keys": PUBLIC,
    "private_keys": {"EdDSA": ED_PRIVATE, "HS256": HS_KEY},
    "valid": [{"name": "EdDSA", "token": valid_ed, "claims": CLAIMS}, {"name": "HS256", "token": valid_hs, "claims": CLAIMS}],
    "refusals": refusals,
}, indent=2, ensure_ascii=False))
