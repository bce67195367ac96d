/**
 * The reference server's identity store: users, short-lived JWTs (jose, HS256, a random
 * secret per boot), refresh tokens, cookie sessions and single-use tickets. All in memory.
 */
import { randomBytes } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'

export interface User {
  name: string
  password: string
  /** Rooms this user may not join. */
  forbiddenRooms: string[]
  /**
   * Access tokens and tickets issued before this instant (ms) are void: "expire this user's
   * tokens now". Refresh tokens and sessions survive, so a client can recover.
   */
  revokedBefore: number
}

/** A verified credential: who, and until when (ms since the epoch). */
export interface Identity {
  user: User
  expiresAt: number
  via: string
}

const random = () => randomBytes(24).toString('base64url')

/** The most entries each store holds: past it the oldest go first, so no request pattern grows memory without bound. */
export const LIMITS = { tickets: 10_000, refreshTokens: 10_000, sessions: 10_000 }
/** A refresh token unused for this long is void (and swept). */
const REFRESH_TTL_MS = 24 * 3600 * 1000

/** Adds `key` to `map`, first dropping expired entries from the oldest end, then the oldest while over `limit`. */
function insert<V>(map: Map<string, V>, key: string, value: V, limit: number, expired: (value: V) => boolean): void {
  for (const [oldest, entry] of map) {
    if (map.size < limit && !expired(entry)) break
    map.delete(oldest)
  }
  map.set(key, value)
}

export class AuthStore {
  readonly users = new Map<string, User>([
    ['alice', { name: 'alice', password: 'alice', forbiddenRooms: [], revokedBefore: 0 }],
    ['bob', { name: 'bob', password: 'bob', forbiddenRooms: ['staff'], revokedBefore: 0 }],
  ])
  private readonly secret: Uint8Array
  private readonly refreshTokens = new Map<string, { user: string; issuedAt: number }>()
  private readonly sessions = new Map<string, { user: string; ttl: number; expiresAt: number }>()
  private readonly tickets = new Map<
    string,
    { user: string; expiresAt: number; issuedAt: number; socketExpiresAt: number }
  >()
  ticketsIssued = 0
  /** How long a ticket may wait to be presented. */
  ticketTtlMs = 30_000

  /**
   * @param tokenTtl - access token and session lifetime, seconds.
   * @param secret - JWT signing secret; random per boot unless given (a restart then voids every token).
   */
  constructor(
    public tokenTtl: number,
    secret?: string,
  ) {
    this.secret = secret ? new TextEncoder().encode(secret) : randomBytes(32)
  }

  login(name: unknown, password: unknown): User | undefined {
    const user = typeof name === 'string' ? this.users.get(name) : undefined
    return user && user.password === password ? user : undefined
  }

  async issueToken(user: User, ttl = this.tokenTtl): Promise<{ token: string; expiresAt: number }> {
    const now = Date.now()
    const exp = Math.floor(now / 1000 + ttl)
    // iat has second resolution; iatMs lets "expire now" void a token issued a moment earlier.
    const token = await new SignJWT({ sub: user.name, jti: random(), iatMs: now })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(exp)
      .sign(this.secret)
    return { token, expiresAt: exp * 1000 }
  }

  issueRefreshToken(user: User): string {
    const token = random()
    const spent = (entry: { issuedAt: number }) => entry.issuedAt + REFRESH_TTL_MS <= Date.now()
    insert(this.refreshTokens, token, { user: user.name, issuedAt: Date.now() }, LIMITS.refreshTokens, spent)
    return token
  }

  /** A refresh token is single-use too: it is swapped for a new one. */
  useRefreshToken(token: unknown): User | undefined {
    const entry = typeof token === 'string' ? this.refreshTokens.get(token) : undefined
    if (!entry) return undefined
    this.refreshTokens.delete(token as string)
    return entry.issuedAt + REFRESH_TTL_MS > Date.now() ? this.users.get(entry.user) : undefined
  }

  async verifyToken(token: string, via: string): Promise<Identity | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.secret, { algorithms: ['HS256'] })
      const user = typeof payload.sub === 'string' ? this.users.get(payload.sub) : undefined
      if (!user || Number(payload.iatMs ?? 0) < user.revokedBefore) return undefined
      return { user, expiresAt: (payload.exp ?? 0) * 1000, via }
    } catch {
      return undefined
    }
  }

  /** @param ttl - seconds a socket authenticated by this session may live before it must reconnect. */
  createSession(user: User, ttl = this.tokenTtl): string {
    const sid = random()
    const session = { user: user.name, ttl, expiresAt: Date.now() + ttl * 1000 }
    insert(this.sessions, sid, session, LIMITS.sessions, (s) => s.expiresAt <= Date.now())
    return sid
  }

  endSession(sid: string | undefined): void {
    if (sid) this.sessions.delete(sid)
  }

  verifySession(sid: string | undefined): Identity | undefined {
    const session = sid ? this.sessions.get(sid) : undefined
    const user = session && this.users.get(session.user)
    if (!session || !user || session.expiresAt <= Date.now()) return undefined
    return { user, expiresAt: session.expiresAt, via: 'cookie' }
  }

  /** Sliding session: a cookie socket that refreshes gets a new expiry. */
  touchSession(sid: string): void {
    const session = this.sessions.get(sid)
    if (session) session.expiresAt = Date.now() + session.ttl * 1000
  }

  /**
   * @param socketExpiresAt - when a socket opened with this ticket must re-authenticate: the
   * expiry of the credential that bought the ticket.
   */
  issueTicket(user: User, socketExpiresAt: number): { ticket: string; expires: number } {
    this.ticketsIssued++
    const ticket = random()
    const expiresAt = Date.now() + this.ticketTtlMs
    const entry = { user: user.name, expiresAt, issuedAt: Date.now(), socketExpiresAt }
    insert(this.tickets, ticket, entry, LIMITS.tickets, (t) => t.expiresAt <= Date.now())
    return { ticket, expires: Math.floor(expiresAt / 1000) }
  }

  /**
   * Who a ticket would authenticate, without using it up: a ticket refused for a reason of the
   * socket's (another user, a forbidden room) stays good. An invalid or expired one is dropped.
   */
  peekTicket(ticket: string): Identity | undefined {
    const entry = this.tickets.get(ticket)
    const user = entry && this.users.get(entry.user)
    if (!entry || !user || entry.expiresAt <= Date.now() || entry.issuedAt < user.revokedBefore) {
      this.tickets.delete(ticket)
      return undefined
    }
    return { user, expiresAt: entry.socketExpiresAt, via: 'ticket' }
  }

  /** Single use: the ticket is gone once redeemed. `undefined` if it was not good (or already used). */
  redeemTicket(ticket: string): Identity | undefined {
    const identity = this.peekTicket(ticket)
    this.tickets.delete(ticket)
    return identity
  }

  /** How many entries each store holds (for the bounds' tests). */
  sizes(): { tickets: number; refreshTokens: number; sessions: number } {
    return { tickets: this.tickets.size, refreshTokens: this.refreshTokens.size, sessions: this.sessions.size }
  }

  /** Voids the user's access tokens and tickets now. */
  revoke(name: string): boolean {
    const user = this.users.get(name)
    if (!user) return false
    user.revokedBefore = Date.now()
    return true
  }
}
