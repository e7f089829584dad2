// The servers the end-to-end tests run against, all on loopback: the mock Closient API with its
// fake hosted page, the real proxy serving a copy of the release build (dist/), and, for one
// test, nginx. Paths come from the environment that `cargo xtask test` sets, with defaults
// relative to the repository so `node --test e2e/` also works after a build.

'use strict';

const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..');
const PATHS = {
  proxy: process.env.CHECKOUT_PROXY_BIN || path.join(REPO, 'target/debug/checkout-proxy'),
  mock: process.env.CLOSIENT_MOCK_BIN || path.join(REPO, 'target/debug/closient-mock'),
  dist: process.env.CHECKOUT_DIST || path.join(REPO, 'dist'),
  npm: process.env.CHECKOUT_NPM || path.join(REPO, 'target/npm'),
  nginx: process.env.NGINX_BIN || 'nginx',
  redis: process.env.REDIS_SERVER || 'redis-server',
  chromium: process.env.CHROMIUM || '/usr/bin/chromium',
  artifacts: process.env.E2E_ARTIFACTS || path.join(REPO, 'target/e2e'),
  /** Scratch space of the tests that build something (the packed package's consumer). */
  scratch: path.join(REPO, 'target'),
};

/** Not a real key: the mock accepts whatever it is started with, and the proxy sends it. */
const API_KEY = 'csb_e2e_notasecret';
/** A well-formed organization id; the mock starts every organization at USD 150.00. */
const ORGANIZATION = '7dHk2mPqRsTuVwXyZaBcDe';
/** The organizations of the example dashboard (www/embed.html, www/embed.js). */
const DASHBOARD_ORGANIZATIONS = { element: ORGANIZATION, mounted: '9fGh3nQrStUvWxYzAbCdEf' };
/** A proxy bound to the dashboard's organizations, as a dashboard's own proxy would be. */
const DASHBOARD_PROXY_ARGS = Object.values(DASHBOARD_ORGANIZATIONS).flatMap((id) => [
  '--organization',
  id,
]);

const ID_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/**
 * Another well-formed organization id, the same for the same label. Tests that look at the
 * balance each use their own: the proxy caches a balance for 2 s, across a mock reset.
 */
function organization(label) {
  let hash = 2166136261;
  let suffix = '';
  for (let i = 0; i < 6; i += 1) {
    for (const char of `${label}:${i}`) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
    suffix += ID_ALPHABET[hash % ID_ALPHABET.length];
  }
  return ORGANIZATION.slice(0, 16) + suffix;
}

/** A port that was free a moment ago (the servers need a fixed one to be told about). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One HTTP request on loopback; resolves `{ status, headers, body }`, never rejects on status. */
function request(url, { method = 'GET', body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `url` answers 200; fails with the process's output if it exited first. */
async function waitHealthy(url, proc, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && proc.exited) {
      throw new Error(`${proc.name} exited (${proc.exitCode}) before ${url} answered:\n${proc.output()}`);
    }
    try {
      if ((await request(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`nothing answered 200 on ${url} within ${timeoutMs} ms:\n${proc ? proc.output() : ''}`);
}

/** A child process whose output is kept (and shown when something fails). */
function startProcess(name, bin, args, env = {}) {
  const fullEnv = { ...process.env, RUST_LOG: process.env.RUST_LOG || 'info', ...env };
  // `undefined` takes a variable out of the child's environment.
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete fullEnv[key];
  const child = spawn(bin, args, {
    env: fullEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  const keep = (chunk) => {
    lines.push(chunk.toString());
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const proc = {
    name,
    child,
    exited: false,
    exitCode: null,
    output: () => lines.join(''),
    /** SIGTERM, then SIGKILL if it has not exited after 5 s. */
    stop: () =>
      new Promise((resolve) => {
        if (proc.exited) return resolve();
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(killer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
  child.on('error', (error) => {
    lines.push(`cannot start ${bin}: ${error.message}\n`);
    proc.exited = true;
  });
  child.on('exit', (code, signal) => {
    proc.exited = true;
    proc.exitCode = code ?? signal;
  });
  return proc;
}

/**
 * The mock API on a fixed port, so it can be stopped and started again at the same origin.
 * `env` goes to its process (`CHECKOUT_TENANT_SECRET` for its dashboard route).
 */
class Mock {
  constructor(port, env = {}) {
    this.port = port;
    this.origin = `http://127.0.0.1:${port}`;
    this.env = env;
    this.process = null;
  }

  async start() {
    this.process = startProcess(
      'closient-mock',
      PATHS.mock,
      ['--listen', `127.0.0.1:${this.port}`, '--credit-delay', '1s'],
      { CLOSIENT_API_KEY: API_KEY, ...this.env },
    );
    await waitHealthy(`${this.origin}/__mock/stats`, this.process);
  }

  async stop() {
    if (this.process) await this.process.stop();
  }

  async admin(method, route, body) {
    const res = await request(`${this.origin}/__mock/${route}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
    });
    if (res.status >= 300) throw new Error(`${method} /__mock/${route}: ${res.status} ${res.body}`);
    return res.body ? JSON.parse(res.body) : null;
  }

  /** Forgets faults, counters, sessions and balances. */
  reset() {
    return this.admin('POST', 'reset');
  }

  /** Queues faults, e.g. `{ checkout: ['rate_limited:2'] }`. */
  faults(faults) {
    return this.admin('POST', 'faults', faults);
  }

  /** `{ checkout_requests, balance_requests, sessions }`. */
  stats() {
    return this.admin('GET', 'stats');
  }
}

/**
 * `cargo xtask <args>`: the binary that `cargo xtask e2e` passes in XTASK_BIN, else through cargo.
 */
function xtask(args) {
  const [bin, prefix] = process.env.XTASK_BIN
    ? [process.env.XTASK_BIN, []]
    : ['cargo', ['run', '-q', '-p', 'xtask', '--']];
  const result = spawnSync(bin, [...prefix, ...args], { cwd: REPO, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`xtask ${args.join(' ')} failed:\n${result.stderr ?? ''}${result.stdout ?? ''}${result.error ?? ''}`);
  }
}

/**
 * `cargo xtask site`: a copy of dist/ whose mount element allows the mock's hosted page as a
 * checkout origin. With `dashboard`, also the npm package under npm/, the example dashboard
 * (www/embed.*) and the host pages of e2e/hosts/ under hosts/, allowed the same origin.
 */
function makeSite(mockOrigin, { dashboard = false } = {}) {
  const site = fs.mkdtempSync(path.join(os.tmpdir(), 'closient-e2e-site-'));
  // nginx's workers run as another user (nobody, www-data): mkdtemp's folder is 0700.
  fs.chmodSync(site, 0o755);
  const args = ['site', '--checkout-origin', mockOrigin, '--out', site];
  args.push('--dist', PATHS.dist, '--npm', PATHS.npm);
  if (dashboard) args.push('--dashboard', '--host-pages');
  try {
    xtask(args);
  } catch (error) {
    fs.rmSync(site, { recursive: true, force: true });
    throw error;
  }
  return site;
}

/** Adds `origin` to the `checkout-origins` attribute of every widget of an HTML file. */
function allowCheckoutOrigin(file, origin) {
  const attribute = 'checkout-origins="https://checkout.stripe.com';
  const html = fs.readFileSync(file, 'utf8');
  if (!html.includes(attribute)) throw new Error(`${file} has no ${attribute}"`);
  fs.writeFileSync(file, html.replaceAll(attribute, `${attribute} ${origin}`));
}

/** The real proxy in front of the mock, serving `site`; `env` goes to its process. */
async function startProxy({ mock, site, port, args = [], env = {} }) {
  const proxyPort = port || (await freePort());
  const proc = startProcess(
    'checkout-proxy',
    PATHS.proxy,
    [
      '--listen', `127.0.0.1:${proxyPort}`,
      '--upstream', `${mock.origin}/billing/api/v1`,
      '--checkout-origin', mock.origin,
      '--static-dir', site,
      // Short, so the upstream-down test does not wait long for a hanging connection.
      '--upstream-timeout', '3s',
      ...args,
    ],
    // Both set would be refused: the key comes only from CLOSIENT_API_KEY here.
    { CLOSIENT_API_KEY: API_KEY, CLOSIENT_API_KEY_FILE: undefined, ...env },
  );
  const origin = `http://127.0.0.1:${proxyPort}`;
  try {
    await waitHealthy(`${origin}/healthz`, proc);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { port: proxyPort, origin, process: proc, stop: () => proc.stop() };
}

/**
 * The mock, a site and the proxy: `await startStack({ proxyArgs })`. `stop()` ends them all.
 * `env` goes to both servers, as a tenant secret must. `proxyArgs` may be a function of the
 * started mock, for flags that name its origin (`--connect-origin`).
 */
async function startStack({ proxyArgs = [], dashboard = false, env = {} } = {}) {
  const mock = new Mock(await freePort(), env);
  await mock.start();
  const site = makeSite(mock.origin, { dashboard });
  let proxy;
  try {
    const args = typeof proxyArgs === 'function' ? proxyArgs(mock) : proxyArgs;
    proxy = await startProxy({ mock, site, args, env });
  } catch (error) {
    await mock.stop();
    throw error;
  }
  return {
    mock,
    proxy,
    site,
    /** The widget's page on the proxy's origin. */
    url: `${proxy.origin}/`,
    /** The servers' recent output, for a failing test's artifacts. */
    logs: () => `--- proxy ---\n${proxy.process.output()}\n--- mock ---\n${mock.process.output()}`,
    async stop() {
      await proxy.stop();
      await mock.stop();
      fs.rmSync(site, { recursive: true, force: true });
    },
  };
}

/** Answers whether a Redis server answers PING on `port`. */
function redisPing(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/**
 * A throwaway redis-server on a free loopback port that saves nothing, as docs/operations.md's
 * replicas share: `cargo xtask e2e` installs Debian's package and passes REDIS_SERVER.
 */
async function startRedis() {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const proc = startProcess('redis-server', PATHS.redis, args);
  const deadline = Date.now() + 10000;
  while (!(await redisPing(port))) {
    if (proc.exited || Date.now() > deadline) {
      await proc.stop();
      throw new Error(`redis-server (${PATHS.redis}) did not answer on ${port}:\n${proc.output()}`);
    }
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${port}`, port, process: proc, stop: () => proc.stop() };
}

/** Whether an nginx binary can be run, and its path. */
function nginxBinary() {
  for (const candidate of [PATHS.nginx, '/usr/sbin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next
    }
  }
  return null;
}

const NGINX_PACKAGES = 'apt-get install -y nginx-light libnginx-mod-http-brotli-static';

/**
 * nginx in front of the proxy, with its own prefix directory and the config that
 * `cargo xtask nginx-config` writes: the server block sets the recipe's variables and includes
 * the committed deploy/nginx/closient-checkout.conf, exactly as docs/hosting.md shows. The
 * static files come from `site`; /api/ goes to `proxyOrigin`, or is balanced over an array of
 * replicas' origins.
 */
async function startNginx({ port, site, proxyOrigin, csp }) {
  const bin = nginxBinary();
  if (!bin) throw new Error(`nginx not found (${PATHS.nginx}); install it: ${NGINX_PACKAGES}`);
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'closient-e2e-nginx-'));
  const temp = (name) => path.join(prefix, name);
  const confPath = temp('nginx.conf');
  const args = ['nginx-config', '--listen', `127.0.0.1:${port}`, '--site', site];
  for (const origin of [proxyOrigin].flat()) args.push('--proxy', origin);
  args.push('--nginx', bin, '--out', confPath);
  if (csp) args.push('--csp', csp);
  try {
    xtask(args);
  } catch (error) {
    fs.rmSync(prefix, { recursive: true, force: true });
    throw new Error(`${error.message}\n(nginx and its module: ${NGINX_PACKAGES})`);
  }
  const check = spawnSyncOutput(bin, ['-t', '-p', prefix, '-c', confPath]);
  if (check.status !== 0) {
    throw new Error(`nginx -t failed:\n${check.output}\n${fs.readFileSync(confPath, 'utf8')}`);
  }
  const proc = startProcess('nginx', bin, ['-p', prefix, '-c', confPath]);
  const origin = `http://127.0.0.1:${port}`;
  const logs = () =>
    `--- nginx ---\n${proc.output()}\n--- nginx error.log ---\n${tail(temp('logs/error.log'))}` +
    `\n--- nginx access.log ---\n${tail(temp('logs/access.log'))}`;
  const stop = async () => {
    // SIGTERM is nginx's fast shutdown, fine for a test.
    await proc.stop();
    fs.rmSync(prefix, { recursive: true, force: true });
  };
  try {
    await waitHealthy(`${origin}/billing/topup/`, proc);
  } catch (error) {
    error.message += `\n${logs()}`;
    await stop();
    throw error;
  }
  return { origin, process: proc, logs, stop };
}

/** The last 40 lines of a file, or nothing. */
function tail(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-40).join('\n');
  } catch {
    return '';
  }
}

function spawnSyncOutput(bin, args) {
  try {
    const output = execFileSync(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: 0, output: output.toString() };
  } catch (error) {
    return { status: error.status ?? 1, output: `${error.stdout || ''}${error.stderr || error.message}` };
  }
}

/** `checkout-proxy --print-csp --static-dir <site>`: the CSP the proxy itself would send. */
function printCsp(site, frameAncestors) {
  const args = ['--print-csp', '--static-dir', site];
  if (frameAncestors) args.push('--frame-ancestors', frameAncestors);
  const result = spawnSyncOutput(PATHS.proxy, args);
  if (result.status !== 0) return null;
  const line = result.output.trim();
  return line && !line.includes('\n') ? line : null;
}

/** A one-page static server on its own origin, for a host page that frames the widget. */
async function startStaticPage(html, port = 0) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

module.exports = {
  API_KEY,
  DASHBOARD_ORGANIZATIONS,
  DASHBOARD_PROXY_ARGS,
  ORGANIZATION,
  PATHS,
  organization,
  Mock,
  allowCheckoutOrigin,
  freePort,
  makeSite,
  printCsp,
  request,
  sleep,
  startNginx,
  startProxy,
  startRedis,
  startStack,
  startStaticPage,
};
