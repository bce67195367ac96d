// CI size budget: fails when the IIFE bundle's gzip size grows past the budget. The budget is the
// size measured when it was set plus a little headroom: it catches regressions. The connection-core
// rebuild (issue 9) took the IIFE from 11.17 kB to 12.69 kB gzip (the state machine, the
// credential deadline, the callback guards and the refresh floors); its target of at most
// 11.17 kB is not met yet and is tracked in BENCHMARKS.md (npm run bench).
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

const BUDGET = 12_800 // bytes, gzip level 9
const code = readFileSync('dist/authsocket.iife.min.js', 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/, '')
const size = gzipSync(code, { level: 9 }).length
if (size > BUDGET) {
  console.error(`dist/authsocket.iife.min.js is ${size} B gzip, over the ${BUDGET} B budget. Find what grew (npm run bench has a size table).`)
  process.exit(1)
}
console.log(`size budget: IIFE ${size} B gzip <= ${BUDGET} B.`)
