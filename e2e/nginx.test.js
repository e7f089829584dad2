// The static files served by nginx under a path prefix, with no rewrite rules, and /api/ passed
// to the proxy: the server block includes the committed deploy/nginx/closient-checkout.conf, as
// docs/hosting.md shows.

'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { after, before, beforeEach, describe } = require('node:test');
const {
  ORGANIZATION,
  freePort,
  printCsp,
  request,
  startNginx,
  startProxy,
  startRedis,
  startStack,
} = require('./harness');
const { e2eTest, launch } = require('./browser');
const { CheckoutPage, HostedPage } = require('./pages');

/** The pay flow at `fixture.url`: the balance, a payment of $25.00, and its credit. */
async function payThroughNginx(fixture, page) {
  const form = new CheckoutPage(page);
  await form.open(fixture.url);
  await form.fill({ organization: ORGANIZATION, amount: '25' });
  await form.root.getByText(/Current balance: \$150\.00/).waitFor();
  await form.submit.click();

  const hosted = new HostedPage(page);
  await hosted.waitUntilShown();
  await hosted.pay.click();

  await page.waitForURL(
    new RegExp(`^${fixture.nginx.origin}/billing/topup/\\?checkout=success&session_id=cs_test_`),
  );
  await form.heading('Payment received').waitFor();
  const credited = await form.waitForStatus(/credited/, 30000);
  assert.match(credited, /\$175\.00/);
}

describe('nginx under /billing/topup/', () => {
  const fixture = {};

  before(async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    fixture.stack = await startStack({
      // Bound, so the proxy serves the balance the success view reads.
      // nginx connects from loopback: only from there is X-Forwarded-For read.
      proxyArgs: ['--trusted-proxy', '127.0.0.1/32', '--public-origin', origin, '--organization', ORGANIZATION],
    });
    fixture.csp = printCsp(fixture.stack.site);
    fixture.nginx = await startNginx({
      port,
      site: fixture.stack.site,
      proxyOrigin: fixture.stack.proxy.origin,
      csp: fixture.csp,
    });
    fixture.url = `${fixture.nginx.origin}/billing/topup/`;
    fixture.browser = await launch();
    fixture.logs = () => `${fixture.stack.logs()}\n${fixture.nginx.logs()}`;
  });
  after(async () => {
    await fixture.browser?.close();
    await fixture.nginx?.stop();
    await fixture.stack?.stop();
  });
  beforeEach(() => fixture.stack.mock.reset());

  e2eTest('the whole pay flow through nginx', fixture, async ({ page, t }) => {
    const index = await request(fixture.url);
    assert.equal(index.status, 200);
    assert.match(index.headers['cache-control'] ?? '', /no-cache/);
    assert.equal(index.headers['x-content-type-options'], 'nosniff');
    if (fixture.csp) {
      assert.equal(index.headers['content-security-policy'], fixture.csp);
    } else {
      t.diagnostic('checkout-proxy --print-csp gave nothing: nginx sent no CSP');
    }

    const wasm = index.body.match(/href="\.\/([^"]+_bg\.wasm)"/)?.[1];
    assert.ok(wasm, 'index.html preloads its wasm by a relative path');
    // The precompressed twin the request accepts, never compressed again on the fly.
    for (const [accept, encoding, twin] of [
      ['br', 'br', '.br'],
      ['gzip', 'gzip', '.gz'],
      ['gzip, deflate, br', 'br', '.br'],
    ]) {
      const file = path.join(fixture.stack.site, `${wasm}${twin}`);
      assert.ok(fs.existsSync(file), `${wasm}${twin} is missing: cargo xtask dist writes it`);
      const module = await request(`${fixture.url}${wasm}`, { headers: { 'accept-encoding': accept } });
      assert.equal(module.status, 200, accept);
      assert.equal(module.headers['content-type'], 'application/wasm', accept);
      assert.match(module.headers['cache-control'] ?? '', /immutable/, accept);
      assert.equal(module.headers['content-encoding'], encoding, accept);
      assert.match(module.headers.vary ?? '', /accept-encoding/i, accept);
      assert.equal(module.headers['content-length'], String(fs.statSync(file).size), accept);
    }

    await payThroughNginx(fixture, page);
  });
});

describe('two proxy replicas that share Redis, balanced by nginx', () => {
  const fixture = {};

  before(async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    fixture.redis = await startRedis();
    // The recipe of docs/operations.md: every replica with the same flags and the same Redis.
    const args = [
      '--trusted-proxy', '127.0.0.1/32', '--public-origin', origin, '--organization', ORGANIZATION,
      '--redis-url', fixture.redis.url, '--redis-prefix', 'e2e:',
    ];
    fixture.stack = await startStack({ proxyArgs: args });
    fixture.second = await startProxy({ mock: fixture.stack.mock, site: fixture.stack.site, args });
    fixture.nginx = await startNginx({
      port,
      site: fixture.stack.site,
      proxyOrigin: [fixture.stack.proxy.origin, fixture.second.origin],
      csp: printCsp(fixture.stack.site),
    });
    fixture.url = `${fixture.nginx.origin}/billing/topup/`;
    fixture.browser = await launch();
    fixture.logs = () =>
      `${fixture.stack.logs()}\n--- second proxy ---\n${fixture.second.process.output()}\n` +
      `${fixture.nginx.logs()}\n--- redis ---\n${fixture.redis.process.output()}`;
  });
  after(async () => {
    await fixture.browser?.close();
    await fixture.nginx?.stop();
    await fixture.second?.stop();
    await fixture.stack?.stop();
    await fixture.redis?.stop();
  });

  e2eTest('the pay flow, its requests spread over both replicas', fixture, async ({ page }) => {
    await payThroughNginx(fixture, page);
    // Each replica answered part of the flow (nginx takes turns), and their state met in Redis.
    for (const replica of [fixture.stack.proxy, fixture.second]) {
      assert.match(replica.process.output(), /\/api\/billing\//, `${replica.origin} served the API`);
    }
    const stats = await fixture.stack.mock.stats();
    assert.equal(stats.checkout_requests, 1, 'one click, one session');
  });
});
