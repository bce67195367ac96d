// Checks that Debian's Python (/usr/bin/python3) can import Django Channels and friends for the
// interop tests. With --ensure, installs Debian's packages when missing (root only; PyPI is not
// reachable on these machines), saying what it does.
import { execSync, spawnSync } from 'node:child_process'

export const PYTHON = '/usr/bin/python3'
export const PACKAGES = ['python3-django', 'python3-django-channels', 'python3-daphne', 'python3-djangorestframework', 'python3-djangorestframework-simplejwt']
const MODULES = 'django, channels, daphne, rest_framework, rest_framework_simplejwt'

export function djangoReady() {
  return spawnSync(PYTHON, ['-c', `import ${MODULES}`], { stdio: 'ignore' }).status === 0
}

if (process.argv.includes('--ensure') && !djangoReady()) {
  console.log(`[django] ${PYTHON} cannot import ${MODULES}: installing Debian's packages.`)
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
