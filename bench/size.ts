/**
 * Bundle sizes, minified and gzipped, every entry built by the same bundler (Vite 8 / Rolldown,
 * library mode, dependencies inlined, minified) in the same run: authsocket with one provider and
 * with all of them, its three dependencies alone, and the peers (devDependencies of bench/ only).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build, type Rollup } from 'vite'

export interface SizeResult {
  name: string
  minBytes: number
  gzipBytes: number
}

const entries: Record<string, string> = {
  'authsocket ESM, AuthSocket + queryToken': "export { AuthSocket, queryToken } from 'authsocket'",
  'authsocket ESM, all providers': "export * from 'authsocket'",
  'its dependencies alone (reconnecting-websocket + mitt + jwt-decode)':
    "export { default as RWS } from 'reconnecting-websocket'; export { default as mitt } from 'mitt'; export { jwtDecode } from 'jwt-decode'",
  'reconnecting-websocket alone': "export { default } from 'reconnecting-websocket'",
  partysocket: "export { default } from 'partysocket'",
  'graphql-ws (client)': "export { createClient } from 'graphql-ws'",
  centrifuge: "export { Centrifuge } from 'centrifuge'",
  'socket.io-client': "export { io } from 'socket.io-client'",
}

export const gzipSize = (code: string | Uint8Array): number => gzipSync(code, { level: 9 }).length

export async function bundleSizes(): Promise<SizeResult[]> {
  const dir = resolve('bench/.size')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const results: SizeResult[] = []
  const iife = readFileSync('dist/authsocket.iife.min.js', 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/, '')
  results.push({
    name: 'authsocket IIFE (CDN, all providers)',
    minBytes: Buffer.byteLength(iife),
    gzipBytes: gzipSize(iife),
  })
  for (const [name, code] of Object.entries(entries)) {
    const file = resolve(dir, `${results.length}.js`)
    writeFileSync(file, `${code}\n`)
    const output = (await build({
      configFile: false,
      logLevel: 'silent',
      root: dir,
      resolve: { alias: { authsocket: resolve('src/index.ts') } },
      // Library mode leaves ES output's whitespace alone; minify it fully, as the IIFE is.
      build: {
        write: false,
        minify: true,
        lib: { entry: file, formats: ['es'], fileName: 'out' },
        rolldownOptions: { external: [], output: { minify: true } },
      },
    })) as Rollup.RollupOutput[]
    const chunk = output[0]!.output.find((o): o is Rollup.OutputChunk => o.type === 'chunk')!
    results.push({ name, minBytes: Buffer.byteLength(chunk.code), gzipBytes: gzipSize(chunk.code) })
  }
  results.push(await messagelessIife())
  rmSync(dir, { recursive: true, force: true })
  return results
}

/**
 * The IIFE as vite.config.ts builds it, but with every message-like literal of src/ (20+
 * characters with a space) replaced by "x": what the bundle would weigh with no error text at
 * all. It shows how much of the size the messages are, and the floor the code alone sets.
 */
async function messagelessIife(): Promise<SizeResult> {
  const strip = (code: string) =>
    code
      .replace(/'[^'\n]{20,}'/g, (m) => (m.includes(' ') ? "'x'" : m))
      .replace(/`[^`$\n]{20,}`/g, (m) => (m.includes(' ') ? '`x`' : m))
      .replace(/`[^`\n]*\$\{[^`\n]*`/g, (m) => (m.length > 30 && m.includes(' ') ? '`x`' : m))
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    define: { __AUTHSOCKET_BROWSER__: 'true' },
    resolve: { alias: { 'reconnecting-websocket': 'reconnecting-websocket/reconnecting-websocket.ts' } },
    plugins: [
      {
        name: 'no-messages',
        enforce: 'post',
        transform: (code: string, id: string) => (id.includes('/src/') ? strip(code) : undefined),
      },
    ],
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
