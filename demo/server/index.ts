/**
 * Starts the reference server: `tsx demo/server/index.ts`.
 * Environment: PORT (default 8080), HOST (127.0.0.1), TOKEN_TTL (seconds, default 60),
 * AUTHSOCKET_TEST_MODE=1 or --test-hooks (test hooks; `npm run demo` turns them on for the page's buttons),
 * ALLOWED_ORIGINS (comma-separated extra origins), JWT_SECRET (default: random per boot).
 */
import { startDemoServer } from './app.js'

const port = Number(process.env.PORT ?? 8080)
const testMode = process.env.AUTHSOCKET_TEST_MODE === '1' || process.argv.includes('--test-hooks')
const server = await startDemoServer({
  port,
  host: process.env.HOST ?? '127.0.0.1',
  tokenTtl: Number(process.env.TOKEN_TTL ?? 60),
  jwtSecret: process.env.JWT_SECRET,
  testMode,
  extraOrigins: (process.env.ALLOWED_ORIGINS ?? '').split(',').filter(Boolean),
  staticDirs: [
    ['/', 'demo/dist'],
    ['/', 'dist'],
    ['/dist/', 'dist'],
    ['/examples/', 'examples'],
  ],
})
console.log(`
  authsocket demo  ${server.url}
  CDN page         ${server.url}/cdn.html
  users            alice / alice    bob / bob (bob may not join room "staff")
  token lifetime   ${server.auth.tokenTtl} s${testMode ? '\n  test hooks       on (/test/*: expire, drop, pause, stats)' : ''}
`)
const stop = () => void server.close().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
