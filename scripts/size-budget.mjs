// CI size budget: fails when the IIFE bundle's gzip size grows past the budget. The budget is the
// size measured when it was set plus a little headroom: it catches regressions. The connection-core
// rebuild (issue 9: the state machine, the credential deadline, the callback guards, the refresh
// floors) took the IIFE from 11.17 kB to 12.69 kB gzip, the status store and provider settings
// of issue 10 to 13.15 kB, and issue 16 (graphql-ws preset, control frames, the protocols
// option, the close-code table, unknown-option names) to 14.14 kB, and the heartbeat and
// acknowledged sends with their receipts and resume (issue 11) to 15.83 kB, then its session ids
// from the CSPRNG, the outbox index and the coalesced store updates to 16.2 kB, and the page
// lifecycle (issue 15: the back/forward cache, offline, wake probes) to 16.6 kB, and its end (frozen pages,
// a bounded offline wait, a wake's failed probe retried at once, timers re-armed from the network) to 16.8 kB,
// and one refresh for all tabs (issue 13: sharedAcrossTabs, Web Locks and BroadcastChannel) to 17.3 kB, and one socket
// for all tabs (issue 13: shareSocket, the journal a new holder merges, the notes between tabs, split into files) to
// 19.8 kB, and ticket({ headers }) with the 4009 close code's meaning (issue 22) to 19.93 kB, and the server's retry
// hints (issue 23: a frame or a close reason, bounded) to 20.18 kB, and shareSocket's handover fix (a
// leader that leaves at pagehide and says bye; the next one waits for it) to 20.38 kB. The rebuild's target of
// 11.17 kB is not met (with no error text at all the code alone is over it) and is tracked in
// BENCHMARKS.md (npm run bench).
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

const BUDGET = 20_450 // bytes, gzip level 9
const code = readFileSync('dist/authsocket.iife.min.js', 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/, '')
const size = gzipSync(code, { level: 9 }).length
if (size > BUDGET) {
  console.error(
    `dist/authsocket.iife.min.js is ${size} B gzip, over the ${BUDGET} B budget. Find what grew (npm run bench has a size table).`,
  )
  process.exit(1)
}
console.log(`size budget: IIFE ${size} B gzip <= ${BUDGET} B.`)
