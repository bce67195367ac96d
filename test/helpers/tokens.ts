/**
 * Test credentials. Every token a test uses comes from here, so the leak check
 * (test/helpers/leak-check.ts) knows what must never appear in an event or error.
 */
const issued = new Set<string>()

export function issuedTokens(): ReadonlySet<string> {
  return issued
}

let counter = 0

/** An opaque token, unique per call. */
export function opaqueToken(label = 'tok'): string {
  const token = `${label}-s3cr3t-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 10)}`
  issued.add(token)
  return token
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** An (unsigned) JWT with the given `exp` in unix seconds: the client only reads it. */
export function jwt(expSeconds: number, sub = 'alice'): string {
  const token = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, exp: expSeconds, jti: ++counter })}.c2lnbmF0dXJl`
  issued.add(token)
  return token
}

/** Registers a credential issued by a real server (Django), so the leak check looks for it too. */
export function track<T extends string>(token: T): T {
  issued.add(token)
  return token
}
