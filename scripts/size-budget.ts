// The size budgets of bench/budgets.ts, checked after `npm run build`: a bundle over its ceiling fails
// `npm test`. Each row also says how far it is from the target (BENCHMARKS.md has the table).
import { BUDGETS, measure, meets } from '../bench/budgets.js'

let failed = false
for (const budget of BUDGETS) {
  const { gzipBytes } = await measure(budget)
  const target =
    `target ${budget.target.rule} ${budget.target.bytes} B (${budget.target.why}): ` +
    `${meets(gzipBytes, budget.target) ? 'met' : 'not met'}`
  if (gzipBytes > budget.ceiling) {
    failed = true
    console.error(`${budget.bundle}: ${gzipBytes} B gzip, over its ${budget.ceiling} B ceiling; ${target}.`)
    console.error("  Find what grew: npm run bench has the size table, and each feature's cost.")
  } else console.log(`size: ${budget.bundle}: ${gzipBytes} B gzip <= ${budget.ceiling} B; ${target}.`)
}
if (failed) process.exit(1)
