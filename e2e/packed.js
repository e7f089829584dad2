// The packed npm package installed into a scratch copy of a consumer project (e2e/consumer/,
// e2e/react-consumer/), as a dashboard's developers get it.

'use strict';

const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { after, before } = require('node:test');
const { Mock, PATHS, freePort } = require('./harness');
const { launch } = require('./browser');

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

/**
 * The fixture of a suite that builds a consumer project: before it, the package packed into
 * `packedDir` and installed into `work` (a copy of `source`), a mock and a browser; after it, all
 * stopped, with the proxy the suite starts as `fixture.proxy`.
 */
function useConsumer(source, work, packedDir) {
  const fixture = {};
  before(async () => {
    fixture.packed = pack(packedDir);
    install(source, work, fixture.packed.tarball);
    fixture.mock = new Mock(await freePort());
    await fixture.mock.start();
    fixture.browser = await launch();
    fixture.logs = () =>
      `--- proxy ---\n${fixture.proxy?.process.output() ?? ''}\n--- mock ---\n${fixture.mock.process.output()}`;
  });
  after(async () => {
    await fixture.browser?.close();
    await fixture.proxy?.stop();
    await fixture.mock?.stop();
  });
  return fixture;
}

module.exports = { install, pack, run, useConsumer };
