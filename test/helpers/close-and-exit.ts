/**
 * A child process for test/unit/faults.test.ts: connects to the URL in argv, closes as soon as
 * it is authenticated, prints when, and must then exit on its own (nothing else keeps it alive).
 */
import WebSocket from 'ws'
import { AuthSocket, queryToken } from '../../src/index.js'

const socket = new AuthSocket(process.argv[2]!, { WebSocket, credentials: queryToken({ token: 'child-token' }) })
await socket.ready
socket.close()
console.log(`closed ${Date.now()}`)
