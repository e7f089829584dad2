// The packed npm package installed into a scratch copy of a consumer project (e2e/consumer/,
// e2e/react-consumer/), as a dashboard's developers get it.

'use strict';

const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { PATHS } = require('./harness');

/**
 * Runs a command in `cwd` with this environment (npm needs its CA settings) and `env` on top;
 * returns stdout.
 */
function run(command, args, cwd, env = {}) {
  try {
    return execFileSync(command, args, {
      cwd,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    throw new Error(`\`${command} ${args.join(' ')}\` failed in ${cwd}:\n${error.stdout}${error.stderr}`);
  }
}

/** `npm pack` of target/npm/ into `into`, emptied first; what npm says it packed. */
function pack(into) {
  if (!fs.existsSync(path.join(PATHS.npm, 'package.json'))) {
    throw new Error(`${PATHS.npm} has no package.json: run \`cargo xtask dist\` first`);
  }
  fs.rmSync(into, { recursive: true, force: true });
  fs.mkdirSync(into, { recursive: true });
  const [packed] = JSON.parse(run('npm', ['pack', PATHS.npm, '--pack-destination', into, '--json'], into));
  return { ...packed, tarball: path.join(into, packed.filename) };
}

/**
 * The scratch project `work`: `source` copied fresh, its npm packages installed with `npm ci`
 * only when the lock file changed, then the tarball on top, without saving it.
 */
function install(source, work, tarball) {
  fs.mkdirSync(work, { recursive: true });
  for (const entry of fs.readdirSync(work)) {
    if (entry !== 'node_modules') fs.rmSync(path.join(work, entry), { recursive: true, force: true });
  }
  fs.cpSync(source, work, { recursive: true, filter: (file) => path.basename(file) !== 'node_modules' });
  const lock = crypto.createHash('sha256').update(fs.readFileSync(path.join(work, 'package-lock.json'))).digest('hex');
  const stamp = path.join(work, 'node_modules', '.installed-lock');
  const installed = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === lock;
  if (!installed) {
    run('npm', ['ci', '--no-audit', '--no-fund'], work);
    fs.writeFileSync(stamp, lock);
  }
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund', tarball], work);
}

module.exports = { install, pack, run };
