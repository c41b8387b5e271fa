// Decision-set tokens (DISTRIBUTION.md §5) in JavaScript, on WebCrypto
// (browsers and Node ≥ 20): verify a token a gateway signed, and sign one
// here. Dependency-free. The same refusals, with the same codes, as the Rust
// `vexil_sign::verify`: too_large, not_a_jwt, alg_none, algorithm_not_allowed,
// wrong_type, no_kid, unknown_kid, algorithm_mismatch, bad_key_set,
// bad_signature, expired, not_yet_valid, bad_claims.
//
// Values stay exact: an int decision beyond ±(2^53−1) is a `BigInt` in the
// verified claims and is signed as an exact JSON integer (./json.mjs), as the
// wasm package's decisions carry it.

import { parseExact, stringifyExact } from "./json.mjs";

export const TYP = "vexil-decisions+jwt";
export const MAX_TOKEN_BYTES = 16 * 1024;

export class VerifyError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "VerifyError";
    this.code = code;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  // Canonical only, as Rust's decoder: no length of 4n+1, and no bits set
  // past the last byte (atob would ignore them, making tokens malleable).
  const rest = text.length % 4;
  if (rest === 1) throw new Error("not base64url: impossible length");
  if (rest > 1) {
    const last = BASE64URL.indexOf(text[text.length - 1]);
    if (last & (rest === 2 ? 0b1111 : 0b11)) throw new Error("not base64url: trailing bits");
  }
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function toBase64Url(bytes) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The algorithm a JWK is for: its `alg`, else what its type implies. */
function keyAlg(jwk) {
  const implied = jwk.kty === "OKP" && jwk.crv === "Ed25519" ? "EdDSA" : jwk.kty === "oct" ? "HS256" : null;
  if (!implied) throw new VerifyError("bad_key_set", `unsupported key: kty ${jwk.kty}`);
  if (jwk.alg !== undefined && jwk.alg !== implied) throw new VerifyError("bad_key_set", `alg ${jwk.alg} on a ${jwk.kty} key`);
  return implied;
}

async function importKey(jwk, alg, usage) {
  const subtle = globalThis.crypto.subtle;
  if (alg === "EdDSA") {
    const material = usage === "sign" ? { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d } : { kty: "OKP", crv: "Ed25519", x: jwk.x };
    return subtle.importKey("jwk", material, { name: "Ed25519" }, false, [usage]);
  }
  return subtle.importKey("raw", fromBase64Url(jwk.k), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

const ALGORITHMS = { EdDSA: { name: "Ed25519" }, HS256: { name: "HMAC" } };

/** Imported keys by their material (importing costs more than verifying); bounded. */
const imported = new Map();

async function cachedKey(jwk, alg, usage) {
  const id = `${usage}:${alg}:${jwk.x ?? ""}:${jwk.k ?? ""}:${jwk.d ?? ""}`;
  let key = imported.get(id);
  if (!key) {
    key = await importKey(jwk, alg, usage);
    if (imported.size >= 64) imported.clear();
    imported.set(id, key);
  }
  return key;
}

/**
 * Verifies `token` against a JWK Set (object or JSON text) and returns its claims.
 * @param {{ now?: number, leewaySeconds?: number }} [options] now in seconds since the epoch
 */
export async function verifyDecisions(token, keySet, { now = Math.floor(Date.now() / 1000), leewaySeconds = 30 } = {}) {
  token = String(token).trim();
  if (token.length > MAX_TOKEN_BYTES) throw new VerifyError("too_large", `the token is ${token.length} bytes, over ${MAX_TOKEN_BYTES}`);
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[0] || !parts[1]) throw new VerifyError("not_a_jwt", `${parts.length} part(s)`);
  let header;
  try {
    header = JSON.parse(decoder.decode(fromBase64Url(parts[0])));
  } catch (error) {
    throw new VerifyError("not_a_jwt", `header: ${error.message}`);
  }
  if (typeof header?.alg !== "string") throw new VerifyError("not_a_jwt", "no `alg`");
  if (header.alg.toLowerCase() === "none") throw new VerifyError("alg_none", "`alg: none` is never accepted");
  if (!Object.hasOwn(ALGORITHMS, header.alg)) throw new VerifyError("algorithm_not_allowed", `algorithm ${header.alg} is not accepted`);
  if (header.typ !== undefined && header.typ !== TYP) throw new VerifyError("wrong_type", `the token is of type ${header.typ}`);
  if (!parts[2]) throw new VerifyError("not_a_jwt", "no signature");
  if (typeof header.kid !== "string") throw new VerifyError("no_kid", "the token has no `kid`");
  let set = keySet;
  if (typeof keySet === "string") {
    try {
      set = JSON.parse(keySet);
    } catch (error) {
      throw new VerifyError("bad_key_set", `the key set is not JSON: ${error.message}`);
    }
  }
  if (!Array.isArray(set?.keys)) throw new VerifyError("bad_key_set", "no `keys` array");
  const jwk = set.keys.find((k) => k !== null && typeof k === "object" && k.kid === header.kid);
  if (!jwk) throw new VerifyError("unknown_kid", `no key ${header.kid}`);
  // The key decides the algorithm, never the token.
  const alg = keyAlg(jwk);
  if (alg !== header.alg) throw new VerifyError("algorithm_mismatch", `the token says ${header.alg} but key ${header.kid} is for ${alg}`);
  let signature;
  try {
    signature = fromBase64Url(parts[2]);
  } catch {
    throw new VerifyError("not_a_jwt", "the signature is not base64url");
  }
  const key = await cachedKey(jwk, alg, "verify").catch((error) => {
    throw new VerifyError("bad_key_set", error.message);
  });
  const ok = await globalThis.crypto.subtle.verify(ALGORITHMS[alg], key, signature, encoder.encode(`${parts[0]}.${parts[1]}`));
  if (!ok) throw new VerifyError("bad_signature", "the signature does not match");
  let claims;
  try {
    claims = parseExact(decoder.decode(fromBase64Url(parts[1])));
  } catch (error) {
    throw new VerifyError("bad_claims", error.message);
  }
  if (!wellFormed(claims)) throw new VerifyError("bad_claims", "not a Vexil decision set");
  if (now > claims.exp + leewaySeconds) throw new VerifyError("expired", `the token expired at ${claims.exp} (now ${now})`);
  const starts = Math.max(claims.iat, claims.nbf ?? claims.iat);
  if (starts > now + leewaySeconds) throw new VerifyError("not_yet_valid", `the token is not valid before ${starts} (now ${now})`);
  return claims;
}

/** The claims' shape, as the Rust verifier's `Claims` reads it. */
function wellFormed(claims) {
  const seconds = (v) => Number.isSafeInteger(v);
  const text = (v) => typeof v === "string";
  const vexil = claims?.vexil;
  return (
    text(claims?.iss) &&
    text(claims.jti) &&
    seconds(claims.iat) &&
    seconds(claims.exp) &&
    (claims.nbf === undefined || seconds(claims.nbf)) &&
    (claims.cid === undefined || text(claims.cid)) &&
    vexil !== null &&
    typeof vexil === "object" &&
    text(vexil.ruleset) &&
    text(vexil.ruleset_version) &&
    text(vexil.now) &&
    vexil.decisions !== null &&
    typeof vexil.decisions === "object" &&
    !Array.isArray(vexil.decisions)
  );
}

/** Signs claims with a private JWK (`vexil keys generate`). */
export async function signDecisions(claims, privateJwk) {
  const jwk = typeof privateJwk === "string" ? JSON.parse(privateJwk) : privateJwk;
  const alg = keyAlg(jwk);
  const header = toBase64Url(encoder.encode(JSON.stringify({ alg, kid: jwk.kid, typ: TYP })));
  const payload = toBase64Url(encoder.encode(stringifyExact(claims)));
  const key = await cachedKey(jwk, alg, "sign");
  const signature = new Uint8Array(await globalThis.crypto.subtle.sign(ALGORITHMS[alg], key, encoder.encode(`${header}.${payload}`)));
  const token = `${header}.${payload}.${toBase64Url(signature)}`;
  if (token.length > MAX_TOKEN_BYTES) throw new Error(`the token would be ${token.length} bytes, over the ${MAX_TOKEN_BYTES} verifiers accept`);
  return token;
}

/**
 * The claims of a decision set from the package's `evaluateAll` result:
 * `{ ruleset, flags?, iss, ttlSeconds, cid?, issuedAt? }`.
 */
export function decisionClaims(decisionSet, { ruleset, flags, iss = "vexil", ttlSeconds = 300, cid, issuedAt = Math.floor(Date.now() / 1000) }) {
  const decisions = {};
  for (const d of decisionSet.decisions) {
    if (flags && !flags.includes(d.flag)) continue;
    const carried = { value: d.value, variant: d.variant, reason: d.reason };
    if (d.rule !== undefined) carried.rule = d.rule;
    decisions[d.flag] = carried;
  }
  const jti = [...globalThis.crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
  const claims = { iss, iat: issuedAt, exp: issuedAt + ttlSeconds, jti };
  if (cid !== undefined) claims.cid = cid;
  claims.vexil = { ruleset, ruleset_version: decisionSet.ruleset_version, now: decisionSet.now, decisions };
  return claims;
}
