// The Django Channels package (python/, authsocket-channels): formatted by Debian's black, its type
// hints checked by mypy, its pytest suite, a wheel and an sdist that twine accepts, and an offline
// install into a venv over Debian's Django and Channels that can import it. Run by `npm test`
// (test:python).
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PYTHON } from './django.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const python = join(root, 'python')
const work = mkdtempSync(join(tmpdir(), 'authsocket-python-'))

/** Runs a step; `quiet` keeps its output unless it fails (the build's warnings are setuptools' own). */
function run(what, command, args, { quiet = false, ...options } = {}) {
  console.log(`[python] ${what}: ${command} ${args.join(' ')}`)
  const result = spawnSync(command, args, { stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8', ...options })
  if (result.status !== 0) {
    if (quiet) console.error(`${result.stdout}${result.stderr}`)
    console.error(`[python] ${what} failed (exit ${result.status ?? result.signal}).`)
    rmSync(work, { recursive: true, force: true })
    process.exit(1)
  }
}

try {
  const npmVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
  const pyVersion = /^version = "([^"]+)"/m.exec(readFileSync(join(python, 'pyproject.toml'), 'utf8'))?.[1]
  const initVersion = /^__version__ = "([^"]+)"/m.exec(
    readFileSync(join(python, 'authsocket_channels', '__init__.py'), 'utf8'),
  )?.[1]
  if (pyVersion !== npmVersion || initVersion !== npmVersion) {
    console.error(
      `[python] versions differ: package.json ${npmVersion}, pyproject.toml ${pyVersion}, __init__.py ${initVersion}`,
    )
    process.exit(1)
  }

  const formatted = [python, join(root, 'test', 'interop', 'django'), join(root, 'examples', 'django')]
  run('format', 'black', ['--check', '--quiet', '--config', join(python, 'pyproject.toml'), ...formatted])
  run('types', PYTHON, ['-m', 'mypy', 'authsocket_channels', 'tests'], { cwd: python })
  run('tests', PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], { cwd: python })

  const dist = join(work, 'dist')
  run('build', PYTHON, ['-m', 'build', '--no-isolation', '--outdir', dist, python], { quiet: true })
  const built = readdirSync(dist).map((name) => join(dist, name))
  if (!built.some((file) => file.endsWith('.whl')) || !built.some((file) => file.endsWith('.tar.gz'))) {
    console.error(`[python] expected a wheel and an sdist, got ${built.join(', ')}`)
    process.exit(1)
  }
  run('twine check', PYTHON, ['-m', 'twine', 'check', '--strict', ...built])

  // Offline: the venv sees Debian's Django, Channels, DRF and simplejwt, and pip gets no index.
  const venv = join(work, 'venv')
  run('venv', PYTHON, ['-m', 'venv', '--system-site-packages', venv])
  run('install', join(venv, 'bin', 'pip'), ['install', '--quiet', '--no-index', '--no-build-isolation', python], {
    cwd: work,
  })
  const probe = [
    'import authsocket_channels, importlib.resources as r',
    'assert (r.files("authsocket_channels") / "py.typed").is_file()',
    'print(authsocket_channels.__version__)',
  ].join('; ')
  const installed = execFileSync(join(venv, 'bin', 'python'), ['-c', probe], { cwd: work, encoding: 'utf8' }).trim()
  if (installed !== npmVersion) {
    console.error(`[python] the installed package says ${installed}, not ${npmVersion}`)
    process.exit(1)
  }
  console.log(`[python] authsocket-channels ${installed}: installed offline into a venv, imports, ships py.typed`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
