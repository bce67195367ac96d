/**
 * Bundle sizes, minified and gzipped, every entry built by the same bundler (Vite 8 / Rolldown,
 * library mode, dependencies inlined, minified) in the same run: authsocket with one provider and
 * with all of them, its three dependencies alone, and the peers (devDependencies of bench/ only).
 */
import { resolve } from 'node:path'
import { build, type Rollup } from 'vite'
import { BUDGETS, FEATURE_ENTRIES, measure } from './budgets.js'
import { esmSize, fileSize, gzipSize, noMessages, type Size } from './bundle.js'

export interface SizeResult extends Size {
  name: string
}

const entries: Record<string, string> = {
  'authsocket ESM, AuthSocket + queryToken': "export { AuthSocket, queryToken } from 'authsocket'",
  'authsocket ESM, all providers': "export * from 'authsocket'",
  'its dependencies alone (reconnecting-websocket + mitt + jwt-decode)':
    "export { default as RWS } from 'reconnecting-websocket'; export { default as mitt } from " +
    "'mitt'; export { jwtDecode } from 'jwt-decode'",
  'reconnecting-websocket alone': "export { default } from 'reconnecting-websocket'",
  partysocket: "export { default } from 'partysocket'",
  'graphql-ws (client)': "export { createClient } from 'graphql-ws'",
  centrifuge: "export { Centrifuge } from 'centrifuge'",
  'socket.io-client': "export { io } from 'socket.io-client'",
}

export async function bundleSizes(): Promise<SizeResult[]> {
  const results: SizeResult[] = [
    { name: 'authsocket IIFE (CDN, all providers)', ...fileSize('dist/authsocket.iife.min.js') },
  ]
  for (const [name, code] of Object.entries(entries)) results.push({ name, ...(await esmSize(code)) })
  results.push(await messagelessIife())
  results.push({
    name: 'authsocket ESM, BaseAuthSocket + queryToken, every error message replaced by "x"',
    ...(await esmSize("export { BaseAuthSocket, queryToken } from 'authsocket'", { messages: false })),
  })
  return results
}

/** Each budget of bench/budgets.ts, measured. */
export async function budgetSizes(): Promise<{ budget: (typeof BUDGETS)[number]; size: Size }[]> {
  const rows = []
  for (const budget of BUDGETS) rows.push({ budget, size: await measure(budget) })
  return rows
}

/** Each feature's added cost over the base client + queryToken. */
export async function featureSizes(): Promise<{ feature: string; size: Size; added: Size }[]> {
  const base = await esmSize("export { BaseAuthSocket, queryToken } from 'authsocket'")
  const rows = [{ feature: 'none (BaseAuthSocket + queryToken)', size: base, added: { minBytes: 0, gzipBytes: 0 } }]
  for (const { feature, esm } of FEATURE_ENTRIES) {
    const size = await esmSize(esm)
    rows.push({
      feature,
      size,
      added: { minBytes: size.minBytes - base.minBytes, gzipBytes: size.gzipBytes - base.gzipBytes },
    })
  }
  return rows
}

/**
 * The IIFE as vite.config.ts builds it, but with every message-like literal of src/ (20+
 * characters with a space) replaced by "x": what the bundle would weigh with no error text at
 * all. It shows how much of the size the messages are, and the floor the code alone sets.
 */
async function messagelessIife(): Promise<SizeResult> {
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    define: { __AUTHSOCKET_BROWSER__: 'true' },
    resolve: { alias: { 'reconnecting-websocket': 'reconnecting-websocket/reconnecting-websocket.ts' } },
    plugins: [noMessages()],
    build: {
      write: false,
      minify: true,
      lib: { entry: resolve('src/cdn.ts'), name: 'AuthSocket', formats: ['iife'], fileName: () => 'out.js' },
    },
  })) as Rollup.RollupOutput[]
  const chunk = output[0]!.output.find((o): o is Rollup.OutputChunk => o.type === 'chunk')!
  return {
    name: 'authsocket IIFE with every error message replaced by "x" (the floor of the code alone)',
    minBytes: Buffer.byteLength(chunk.code),
    gzipBytes: gzipSize(chunk.code),
  }
}
