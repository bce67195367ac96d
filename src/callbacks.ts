/**
 * The user's option callbacks, guarded: one that throws or answers nonsense is reported and
 * the default is used, so it can never wedge the client or stop its reconnects.
 * @module
 */
import { classifyFailure, type Failure, type FailureClass } from './close-codes.js'
import { AuthSocketError, describeCause, safeCause } from './errors.js'
import { callbackFailed } from './events.js'
import type { Serializer } from './options.js'
import { fullJitter, type RetryDelay } from './retry.js'

const CLASSES: readonly unknown[] = ['unauthorized', 'forbidden', 'network', 'fatal']
const defaultDelay = fullJitter()

type Report = (error: AuthSocketError) => void

/** The `classify` option over the default classification. */
export function classifyWith(
  classify: ((failure: Failure) => FailureClass | undefined) | undefined,
  failure: Failure,
  report: Report,
): FailureClass {
  if (!classify) return classifyFailure(failure)
  try {
    const cls = classify(failure)
    if (cls === undefined || CLASSES.includes(cls)) return cls ?? classifyFailure(failure)
    report(callbackFailed('classify', undefined, 'used the default classification'))
  } catch (cause) {
    report(callbackFailed('classify', cause, 'used the default classification'))
  }
  return classifyFailure(failure)
}

/** The `retryDelay` option (default full jitter): a delay in ms, always a finite non-negative number. */
export function delayWith(retryDelay: RetryDelay | undefined, retry: number, report: Report): number {
  if (!retryDelay) return defaultDelay(retry)
  try {
    const ms = retryDelay(retry)
    if (typeof ms === 'number' && ms >= 0 && ms < Infinity) return ms
    report(callbackFailed('retryDelay', undefined, 'waited the default backoff'))
  } catch (cause) {
    report(callbackFailed('retryDelay', cause, 'waited the default backoff'))
  }
  return defaultDelay(retry)
}

/** The serializer's `stringify`; throws `SERIALIZE_FAILED` unless it makes a string. */
export function serialize<Out>(serializer: Serializer<unknown, Out>, message: Out): string {
  let text: unknown
  try {
    text = serializer.stringify(message)
  } catch (cause) {
    throw new AuthSocketError('SERIALIZE_FAILED', `The message could not be serialized (${describeCause(cause)}).`, {
      cause: safeCause(cause),
    })
  }
  if (typeof text !== 'string') {
    throw new AuthSocketError(
      'SERIALIZE_FAILED',
      `The serializer made ${typeof text} of a ${typeof message}, not a string: ` +
        'not sent (JSON cannot encode undefined, functions, symbols).',
    )
  }
  return text
}
