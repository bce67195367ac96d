/**
 * A Vite logger that fails the build on any warning, so a newcomer's first `npm run build` (or
 * `npm run demo`) prints none: a warning that appears is a test failure, not noise to learn to ignore.
 */
import { createLogger, type Logger } from 'vite'

export function strictLogger(): Logger {
  const logger = createLogger()
  const fail = (message: string) => {
    logger.error(message)
    throw new Error(`vite warned during the build (warnings fail it here): ${message}`)
  }
  return { ...logger, warn: fail, warnOnce: fail }
}
