"""An independent JOSE implementation (PyJWT + cryptography) checks Vexil's
decision-set tokens, and makes tokens Vexil must accept.

    pyjwt_check.py verify TOKEN PUBLIC_JWKS.json   -> prints the claims (JSON) or exits 1
    pyjwt_check.py sign PRIVATE.jwk CLAIMS.json    -> prints a token signed by PyJWT
"""
import json
import sys

import jwt
from jwt import PyJWK, PyJWKSet


def verify(token, jwks_path):
    keys = PyJWKSet.from_json(open(jwks_path).read())
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "vexil-decisions+jwt", header
    key = next(k for k in keys.keys if k.key_id == header["kid"])
    claims = jwt.decode(token, key=key, algorithms=[header["alg"]], options={"verify_aud": False})
    print(json.dumps(claims))


def sign(private_path, claims_path):
    jwk = json.load(open(private_path))
    key = PyJWK.from_dict(jwk)
    claims = json.load(open(claims_path))
    token = jwt.encode(claims, key.key, algorithm=jwk["alg"], headers={"kid": jwk["kid"], "typ": "vexil-decisions+jwt"})
    print(token)


if __name__ == "__main__":
    {"verify": verify, "sign": sign}[sys.argv[1]](*sys.argv[2:])
