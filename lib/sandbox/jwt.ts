/**
 * RS256 JSON Web Tokens for the sandbox's identity provider: a key pair made at start with
 * WebCrypto, published as a JWKS, used to sign and check tokens.
 *
 * @module
 */

const enc = new TextEncoder();
const dec = new TextDecoder();

function b64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function unb64url(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Claims of a token, as decoded. */
export type Claims = Record<string, unknown> & { exp?: number; iat?: number; iss?: string };

/** Why {@linkcode JwtSigner.verify} refused a token. */
export type JwtProblem = "malformed" | "signature" | "expired" | "issuer";

/** Signs and checks RS256 JWTs with one key pair. */
export class JwtSigner {
  readonly #keys: CryptoKeyPair;
  readonly #jwk: JsonWebKey;
  /** The key id put in every token header and in the JWKS. */
  readonly kid: string;

  private constructor(keys: CryptoKeyPair, jwk: JsonWebKey, kid: string) {
    this.#keys = keys;
    this.#jwk = jwk;
    this.kid = kid;
  }

  /** Makes a fresh 2048-bit RSA key pair. */
  static async create(): Promise<JwtSigner> {
    const keys = await crypto.subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    );
    const jwk = await crypto.subtle.exportKey("jwk", keys.publicKey);
    return new JwtSigner(keys, jwk, crypto.randomUUID());
  }

  /** The public key set, as served at `/protocol/openid-connect/certs`. */
  jwks(): { keys: Array<JsonWebKey & { kid: string }> } {
    return {
      keys: [{
        kid: this.kid,
        kty: "RSA",
        alg: "RS256",
        use: "sig",
        n: this.#jwk.n,
        e: this.#jwk.e,
      }],
    };
  }

  /** A compact JWS of `claims`. */
  async sign(claims: Claims, typ = "JWT"): Promise<string> {
    const header = b64url(enc.encode(JSON.stringify({ alg: "RS256", typ, kid: this.kid })));
    const payload = b64url(enc.encode(JSON.stringify(claims)));
    const input = enc.encode(`${header}.${payload}`);
    const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", this.#keys.privateKey, input);
    return `${header}.${payload}.${b64url(new Uint8Array(signature))}`;
  }

  /** The claims of `token` when its signature, issuer and expiry (against `nowSeconds`) hold. */
  async verify(
    token: string,
    issuer: string,
    nowSeconds: number,
  ): Promise<{ claims: Claims } | { problem: JwtProblem }> {
    const parts = token.split(".");
    if (parts.length !== 3) return { problem: "malformed" };
    let claims: Claims;
    let ok: boolean;
    try {
      claims = JSON.parse(dec.decode(unb64url(parts[1])));
      ok = await crypto.subtle.verify(
        "RSASSA-PKCS1-v1_5",
        this.#keys.publicKey,
        unb64url(parts[2]),
        enc.encode(`${parts[0]}.${parts[1]}`),
      );
    } catch {
      return { problem: "malformed" };
    }
    if (!ok) return { problem: "signature" };
    if (claims.iss !== issuer) return { problem: "issuer" };
    if (typeof claims.exp !== "number" || claims.exp <= nowSeconds) return { problem: "expired" };
    return { claims };
  }
}
