import { nodeThroughput } from './throughput.js'
console.table(await nodeThroughput(Number(process.argv[2] ?? 100000), 1000, Number(process.argv[3] ?? 3)))
