// Checks the docs users read, so they cannot rot:
// - every ```ts block of README.md and docs/*.md type-checks against src/ (each block compiles as
//   its own module; test/readme/prelude.d.ts declares the app around them);
// - the README's quick start runs as written: its blocks type-check without that prelude, so
//   they use nothing they do not define;
// - README.md links work on the npm page too: a relative link only to a file the package ships,
//   every other one absolute, into this repository (and the file must exist here).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'

const REPO =
  /^https:\/\/(?:github\.com\/authsocket\/authsocket\/blob\/main|raw\.githubusercontent\.com\/authsocket\/authsocket\/main)\/([^#?]+)/
const docs = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
]

const problems = []
const readme = readFileSync('README.md', 'utf8')
const packaged = new Set(['README.md', 'LICENSE', 'CHANGELOG.md'])
for (const [, target] of readme.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)) {
  if (target.startsWith('#') || packaged.has(target.split('#')[0])) continue
  const inRepo = REPO.exec(target)?.[1]
  if (inRepo && !existsSync(inRepo)) problems.push(`README.md links to ${target}, but ${inRepo} does not exist`)
  else if (!inRepo && !/^https?:\/\//.test(target))
    problems.push(
      `README.md links to ${target}, which the package does not ship: link it absolutely (github.com/authsocket/authsocket/blob/main/...)`,
    )
}

const out = '.readme-check'
rmSync(out, { recursive: true, force: true })
mkdirSync(`${out}/standalone`, { recursive: true })
let count = 0
for (const doc of docs) {
  for (const [, code] of readFileSync(doc, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)) {
    count++
    writeFileSync(`${out}/${doc.replace(/\W+/g, '-')}-${String(count).padStart(2, '0')}.ts`, `${code}\nexport {}\n`)
  }
}
const quickStart = readme.slice(
  readme.indexOf('## Quick start'),
  readme.indexOf('\n## ', readme.indexOf('## Quick start')),
)
const standalone = [...quickStart.matchAll(/```ts\n([\s\S]*?)```/g)]
standalone.forEach(([, code], i) => writeFileSync(`${out}/standalone/quick-start-${i + 1}.ts`, `${code}\nexport {}\n`))
if (standalone.length === 0) problems.push('README.md has no TypeScript in its "## Quick start"')
writeFileSync(
  `${out}/tsconfig.json`,
  JSON.stringify({
    extends: '../tsconfig.json',
    compilerOptions: {
      noEmit: true,
      noUnusedLocals: false,
      paths: { authsocket: ['../src/index.ts'], 'authsocket/react': ['../src/react.ts'] },
    },
    include: ['./*.ts', '../test/readme/prelude.d.ts'],
  }),
)
try {
  execFileSync('npx', ['tsc', '-p', `${out}/tsconfig.json`], { stdio: 'inherit' })
} catch {
  problems.push(
    `a TypeScript example does not type-check (files in ${out}/ are named after their document, numbered in order)`,
  )
}
writeFileSync(
  `${out}/standalone/tsconfig.json`,
  JSON.stringify({
    extends: '../../tsconfig.json',
    compilerOptions: { noEmit: true, noUnusedLocals: false, paths: { authsocket: ['../../src/index.ts'] } },
    include: ['./*.ts'],
  }),
)
try {
  execFileSync('npx', ['tsc', '-p', `${out}/standalone/tsconfig.json`], { stdio: 'inherit' })
} catch {
  problems.push(`the README's quick start uses a name it does not define (${out}/standalone/, no prelude)`)
}
if (problems.length) {
  console.error(problems.map((p) => `docs: ${p}`).join('\n'))
  process.exit(1)
}
console.log(
  `docs: ${count} TypeScript examples in ${docs.join(', ')} type-check; the quick start's ` +
    `${standalone.length} without the prelude; README links work on npm.`,
)
