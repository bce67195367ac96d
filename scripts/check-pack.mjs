// Checks what `npm pack` would publish: the build, the README, the licence, the changelog and the
// node10 stub for authsocket/react; never tests, the demo, examples, sources maps of tests or configs.
import { execSync } from 'node:child_process'

const files = JSON.parse(
  execSync('npm pack --dry-run --json', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
)[0].files.map((f) => f.path)
const required = [
  'package.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'dist/index.js',
  'dist/index.cjs',
  'dist/react.js',
  'dist/react.cjs',
  'dist/browser/index.js',
  'dist/browser/react.js',
  'dist/authsocket.iife.min.js',
  'dist/authsocket-base.iife.min.js',
  'dist/types/index.d.ts',
  'dist/types-cjs/index.d.cts',
  'react/package.json',
]
const forbidden = [
  /^test\//,
  /^demo\//,
  /^examples\//,
  /^src\//,
  /^bench\//,
  /^scripts\//,
  /^\.ci\//,
  /^docs\//,
  /config\.ts$/,
  /\.test\./,
]
const missing = required.filter((f) => !files.includes(f))
const leaked = files.filter((f) => forbidden.some((re) => re.test(f)))
if (missing.length || leaked.length) {
  if (missing.length) console.error(`npm pack is missing: ${missing.join(', ')}`)
  if (leaked.length) console.error(`npm pack would publish: ${leaked.join(', ')}`)
  process.exit(1)
}
console.log(`npm pack: ${files.length} files, all expected, no tests, demo or examples.`)
