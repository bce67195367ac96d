// Checks that Debian's Python (/usr/bin/python3) can import Django Channels and friends for the
// interop tests and the package's own tests, and that the scale-out tests' Redis and HAProxy are there. With --ensure,
// installs Debian's packages when missing (root only; PyPI is not reachable on these machines),
// saying what it does.
import { execSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

export const PYTHON = '/usr/bin/python3'
export const PACKAGES = [
  'python3-django',
  'python3-django-channels',
  'python3-daphne',
  'python3-djangorestframework',
  'python3-djangorestframework-simplejwt',
  'python3-channels-redis',
  'python3-django-redis',
  'redis-server',
  'haproxy',
  // The package's own checks (scripts/python.mjs): pytest, a wheel and an sdist, twine, black, mypy, a venv.
  'python3-pytest',
  'python3-pytest-asyncio',
  'python3-pytest-django',
  'python3-build',
  'python3-venv',
  'twine',
  'black',
  'mypy',
]
const MODULES =
  'django, channels, daphne, rest_framework, rest_framework_simplejwt, channels_redis, ' +
  'django_redis, pytest, pytest_asyncio, pytest_django, build, twine, ensurepip, setuptools, ' +
  'mypy'
const PROGRAMS = ['/usr/bin/redis-server', '/usr/bin/redis-cli', '/usr/sbin/haproxy', '/usr/bin/black']

export function djangoReady() {
  return (
    spawnSync(PYTHON, ['-c', `import ${MODULES}`], { stdio: 'ignore' }).status === 0 &&
    PROGRAMS.every((path) => existsSync(path))
  )
}

if (process.argv.includes('--ensure') && !djangoReady()) {
  console.log(
    `[django] ${PYTHON} cannot import ${MODULES}, or one of ${PROGRAMS.join(', ')} is missing: installing Debian's packages.`,
  )
  if (process.getuid?.() !== 0) {
    console.error(`[django] Not root: run \`sudo apt-get install -y ${PACKAGES.join(' ')}\`, then retry.`)
    process.exit(1)
  }
  const command = `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${PACKAGES.join(' ')}`
  console.log(`[django] $ ${command}`)
  execSync(command, { stdio: 'inherit' })
  if (!djangoReady()) {
    console.error('[django] Still cannot import them.')
    process.exit(1)
  }
}
