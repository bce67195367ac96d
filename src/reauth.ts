/**
 * In-band re-authentication: on the open socket, ask the provider for a fresh `authenticate`
 * frame and send it; the verdict comes back as a status frame, read like the first one. A
 * transient failure keeps the current credential (it has not expired yet); a refusal ends
 * the attempt.
 * @module
 */
import { credentialFailure, type Attempt, type End } from './attempt.js'
import type { Reauthentication } from './credentials/provider.js'
import { AuthSocketError } from './errors.js'

export interface ReauthSteps {
  /** Whether this re-authentication still matters (nothing ended or answered the attempt meanwhile). */
  current(): boolean
  /** Sends the frame and waits for the verdict (a socket no longer writable is closing: its close decides). */
  send(frame: string): void
  /** The provider refused for good, or the credential endpoint refused the token. */
  refused(end: End): void
  /** A transient failure: keep the current credential and try again later. */
  kept(error: AuthSocketError): void
}

export async function reauthenticate(
  attempt: Attempt,
  kind: string,
  ask: () => Promise<Reauthentication>,
  steps: ReauthSteps,
): Promise<void> {
  try {
    const { frame, expiresAt } = await ask()
    if (!steps.current()) return
    attempt.expiresAt = expiresAt
    steps.send(frame)
  } catch (cause) {
    if (!steps.current()) return
    const end = credentialFailure(cause, kind)
    if (end.cls !== 'network') {
      steps.refused(end)
      return
    }
    steps.kept(
      new AuthSocketError(
        'CREDENTIAL_FETCH_FAILED',
        `Refresh failed (${end.error!.message}); kept the current credential, retrying with backoff.`,
        { cause: end.error },
      ),
    )
  }
}
