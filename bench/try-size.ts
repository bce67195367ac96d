import { bundleSizes } from './size.js'
console.table(await bundleSizes())
