// The npm package as a dashboard gets it: `npm pack` of target/npm/, installed into a scratch
// copy of e2e/consumer/ (TypeScript and Vite at the versions its lock file pins), type-checked
// with tsc, imported on a server, and built with Vite into a page that the real proxy serves
// and that submits through it to the mock's hosted page.

'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test } = require('node:test');
const {
  DASHBOARD_PROXY_ARGS,
  PATHS,
  allowCheckoutOrigin,
  request,
  startProxy,
} = require('./harness');
const { e2eTest } = require('./browser');
const { CheckoutPage, HostedPage } = require('./pages');
const { run, useConsumer } = require('./packed');

const SOURCE = path.join(__dirname, 'consumer');
const WORK = path.join(PATHS.scratch, 'e2e-consumer');
const PACKED = path.join(PATHS.scratch, 'e2e-consumer-pack');

describe('the packed npm package in a dashboard project', () => {
  const fixture = useConsumer(SOURCE, WORK, PACKED);

  test('the tarball holds the wasm, the loader, the entries and their types, and no twins', () => {
    const files = fixture.packed.files.map((file) => file.path).sort();
    for (const file of [
      'closient_checkout_bg.wasm',
      'closient_checkout.js',
      'index.js',
      'index.d.ts',
      'element.js',
      'element.d.ts',
      'react.js',
      'react.d.ts',
      'package.json',
    ]) {
      assert.ok(files.includes(file), `${file} is in the tarball: ${files.join(', ')}`);
    }
    assert.ok(!files.some((file) => file.startsWith('.')), `no dot file: ${files.join(', ')}`);
    // Bundlers read the plain files; a server precompresses what it serves.
    assert.ok(!files.some((file) => /\.(br|gz)$/.test(file)), `no .br or .gz: ${files.join(', ')}`);
    const wasm = path.join(WORK, 'node_modules/closient-checkout/closient_checkout_bg.wasm');
    assert.deepEqual([...fs.readFileSync(wasm).subarray(0, 4)], [0, 0x61, 0x73, 0x6d], 'installed, a wasm module');
  });

  test('both entries import on a server, where there is no window', () => {
    const printed = run(
      'node',
      [
        '--input-type=module',
        '--eval',
        "const index = await import('closient-checkout'); await import('closient-checkout/element');" +
          ' console.log(JSON.stringify({ exports: Object.keys(index).sort(), customElements: typeof customElements }));',
      ],
      WORK,
    );
    assert.deepEqual(JSON.parse(printed), { exports: ['mount', 'preload'], customElements: 'undefined' });
  });

  test('tsc accepts a dashboard typed against the declarations, and refuses what it must', () => {
    // src/types.ts marks each misuse with @ts-expect-error, so a declaration that lets one
    // through fails this as surely as one that rejects correct code.
    run(path.join(WORK, 'node_modules/.bin/tsc'), ['--noEmit', '-p', 'tsconfig.json'], WORK);
  });

  e2eTest('a Vite production build of the element mounts and submits through the proxy', fixture, async ({ page }) => {
    run(path.join(WORK, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], WORK);
    const site = path.join(WORK, 'dist');
    const assets = fs.readdirSync(path.join(site, 'assets'));
    const wasm = assets.find((file) => file.endsWith('.wasm'));
    assert.ok(wasm, `Vite copied the wasm next to the code: ${assets.join(', ')}`);
    allowCheckoutOrigin(path.join(site, 'index.html'), fixture.mock.origin);
    fixture.proxy = await startProxy({ mock: fixture.mock, site, args: DASHBOARD_PROXY_ARGS });
    const served = await request(`${fixture.proxy.origin}/assets/${wasm}`);
    assert.equal(served.headers['content-type'], 'application/wasm');

    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${fixture.proxy.origin}/`);
    const form = new CheckoutPage(page, page.locator('closient-checkout'));
    await form.waitUntilUsable();
    await page.getByText('ready {}').waitFor();
    await form.fill({ amount: '25' });
    await form.submit.click();
    await new HostedPage(page).waitUntilShown();
    assert.equal((await fixture.mock.stats()).checkout_requests, 1);
    assert.deepEqual(errors, []);
  });
});
