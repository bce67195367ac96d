/**
 * Features: what plugs into the base client. The base ({@link BaseAuthSocket}) has what every
 * user needs (providers, status frames, the state machine, refresh, the outbox until
 * authenticated, retry and errors); each feature is a module that owns its options, its frames
 * and its hooks, and is bundled only when imported: `Heartbeat`, `Delivery` (acknowledged sends
 * and resume), `PageLifecycle`, `SharedSocket`, and the opt-in `PersistentOutbox`. {@link AuthSocket}
 * is the base with every feature but the opt-in ones, and takes those in `features`.
 *
 * A connection asks its installed features at fixed points (docs/ARCHITECTURE.md): the page's
 * wait before an attempt, the frames of an authenticated socket, the verdict's extensions, the
 * heartbeat's start. This file holds the shapes only; no feature's code.
 * @module
 */
import type { Attempt } from './attempt.js'
import type { Link } from './base.js'
import type { DeliveryOptions } from './delivery.js'
import type { AuthSocketError } from './errors.js'
import type { Events } from './events.js'
import type { AuthVerdict, Control } from './frames.js'
import type { HeartbeatOptions, HeartbeatTimer } from './heartbeat.js'
import type { AuthSocketOptions, ResolvedOptions } from './options.js'
import type { NumberedOutbox } from './numbered-outbox.js'
import type { Outbox } from './outbox.js'
import type { Page, PageLifecycleOptions } from './page.js'
import type { GroupKeeper, PersistOptions, PersistParts, Persisted } from './persist.js'
import type { DeliverySession } from './session.js'
import type { SharedSocketOptions } from './shared-socket.js'

/**
 * What a client's own frame with this `action` does on `attempt`'s socket; `undefined` when the
 * feature is off on that socket: the frame then goes on to the `control` option.
 */
export type ActionHandler = (frame: Record<string, unknown>, attempt: Attempt) => Control | undefined

/** Frame actions and their handlers. */
export type Actions = Readonly<Record<string, ActionHandler>>

/** What a connection is made of: the client's parts, shared with the features. */
export interface ConnectionParts<In> {
  readonly events: Events<In>
  readonly outbox: Outbox
  /** The delivery session, with the Delivery feature (the tabs sharing a socket share one). */
  readonly session: DeliverySession | undefined
  /** Called when the client authenticates (no error) or stops (the reason). */
  settled(error?: AuthSocketError): void
  /**
   * The page's events reach the connection through its `wake()`, from the one who made it: a tab
   * sharing its socket watches the page once, for itself and its connection, so no two watchers
   * act on the same event in the order they happened to be registered.
   */
  readonly pageDriven?: boolean
  /** With the persistent outbox: settles once the kept messages are back; the first attempt waits for it. */
  readonly loaded?: Promise<void>
}

/** The heartbeat (heartbeat.ts): pings after a silence, drops a socket that stays silent. */
export interface HeartbeatFeature {
  /**
   * The heartbeat of a socket the server just accepted, or `undefined` for none: the `heartbeat`
   * option decides, else the server's announcement. `send` writes a frame on the socket.
   */
  start(
    announced: AuthVerdict['heartbeat'],
    send: (frame: string) => boolean,
    dead: (timeout: number) => void,
  ): HeartbeatTimer | undefined
  /** `ping` answered and `pong` consumed while a heartbeat runs. */
  readonly actions: Actions
}

/** Acknowledged sends and resume (delivery.ts). */
export interface DeliveryFeature {
  /** A new delivery session: one random id for the client's life. */
  session(): DeliverySession
  /** The client's outbox: numbered, keeping written messages until acknowledged. */
  outbox(limit: number, onChange: (size: number) => void): NumberedOutbox
  /** What holds on a socket the server accepted: the options decide, else the verdict's announcement. */
  agree(verdict: AuthVerdict | undefined): Pick<Attempt, 'acks' | 'resume'>
  /** `ack`, `message` and `resync`, routed to the outbox and the session. */
  actions<In>(parts: { outbox: Outbox; session: DeliverySession; events: Events<In> }): Actions
}

/** The page's lifecycle (page.ts): the back/forward cache, frozen pages, offline, wakes. */
export interface PageFeature {
  /** The `bfcache` option. */
  readonly bfcache: boolean
  page(): Page
}

/** One socket for all tabs (shared-socket.ts). */
export interface ShareFeature {
  /** The client's outbox: numbered, so that the tabs agree on each message's number. */
  outbox(limit: number, onChange: (size: number) => void): NumberedOutbox
  /** The tabs' shared link, or `undefined` when the option is off or the environment cannot share. */
  link<In, Out>(o: ResolvedOptions<In, Out>, baseUrl: string, parts: ConnectionParts<In>): Link | undefined
}

/** The persistent outbox (persist.ts): what is not yet acknowledged, kept across reloads. */
export interface PersistFeature {
  /** A client's persistence on its own socket, or `undefined` when the option is off. */
  attach<In>(parts: PersistParts<In>): Persisted | undefined
  /** The persistence of a tab while it holds the shared socket, or `undefined` when the option is off. */
  group<In>(parts: PersistParts<In>): GroupKeeper | undefined
}

/** The features' names. */
export type FeatureName = 'Heartbeat' | 'Delivery' | 'PageLifecycle' | 'SharedSocket' | 'PersistentOutbox'

/** The features a client has, by name, each installed with its options resolved. */
export interface Installed {
  readonly Heartbeat?: HeartbeatFeature
  readonly Delivery?: DeliveryFeature
  readonly PageLifecycle?: PageFeature
  readonly SharedSocket?: ShareFeature
  readonly PersistentOutbox?: PersistFeature
}
/**
 * Features {@link AuthSocket} has only when given in `features`: what most pages do not use and
 * should not carry.
 */
export const OPT_IN: readonly FeatureName[] = ['PersistentOutbox']

// Compile-time: every name has its installed shape, and nothing else does.
const sameNames: [FeatureName, keyof Installed] extends [keyof Installed, FeatureName] ? true : never = true
void sameNames

/**
 * A feature module: its name and how it installs on one client (resolving, and checking, the
 * options it owns). Pass them in `features`: `new BaseAuthSocket(url, { credentials, features: [Heartbeat] })`.
 */
export interface Feature<K extends FeatureName = FeatureName> {
  readonly name: K
  /**
   * Resolves and checks the options it owns (a feature reads them whatever the message types).
   * @internal
   */
  install(options: AuthSocketOptions<never, never>): NonNullable<Installed[K]>
}

/** Each feature's options, named after it: checked against the options interface each feature declares. */
type Owners = { readonly [K in keyof HeartbeatOptions]-?: 'Heartbeat' } & {
  readonly [K in keyof DeliveryOptions]-?: 'Delivery'
} & { readonly [K in keyof PageLifecycleOptions]-?: 'PageLifecycle' } & {
  readonly [K in keyof SharedSocketOptions]-?: 'SharedSocket'
} & { readonly [K in keyof PersistOptions]-?: 'PersistentOutbox' }

/** Which feature owns each feature option: one given without its feature is an error that says what to import. */
export const OPTION_OWNERS: Owners = {
  heartbeat: 'Heartbeat',
  acks: 'Delivery',
  resume: 'Delivery',
  bfcache: 'PageLifecycle',
  shareSocket: 'SharedSocket',
  persist: 'PersistentOutbox',
}
