// The npm package in a React 19 + TypeScript + Vite app (e2e/react-consumer/): the packed
// tarball installed, the app type-checked with `tsc --strict` against the package's types
// alone, built by Vite in development mode (React's StrictMode then mounts every effect twice)
// and served by the real proxy in front of the mock. `<ClosientCheckout>`, the bare
// `<closient-checkout>` in JSX and `mount()` with an AbortSignal each leave one widget.

'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test } = require('node:test');
const { PATHS, allowCheckoutOrigin, startProxy } = require('./harness');
const { e2eTest, eventually } = require('./browser');
const { CheckoutPage } = require('./pages');
const { run, useConsumer } = require('./packed');

const SOURCE = path.join(__dirname, 'react-consumer');
const WORK = path.join(PATHS.scratch, 'e2e-react-consumer');
const PACKED = path.join(PATHS.scratch, 'e2e-react-consumer-pack');

/** The three mount points of the app, each a widget of its own organization. */
const MOUNT_POINTS = { component: '.component', element: '#element', mounted: '#mounted' };

/** The app's widgets' organizations (src/main.tsx), sorted; the proxy serves their balances. */
const ORGANIZATIONS = ['3aBc4dEf5gHj6kLm7nPq8r', '7dHk2mPqRsTuVwXyZaBcDe', '9fGh3nQrStUvWxYzAbCdEf'];

/** The app's list of events, one line each. */
function lines(page) {
  return page.locator('#events li').allInnerTexts();
}

describe('the packed npm package in a React app', () => {
  const fixture = useConsumer(SOURCE, WORK, PACKED);

  test('the React entry imports on a server and renders an empty host there', () => {
    const printed = run(
      'node',
      [
        '--input-type=module',
        '--eval',
        "const { createElement } = await import('react');" +
          " const { renderToString } = await import('react-dom/server');" +
          " const { ClosientCheckout } = await import('closient-checkout/react');" +
          " console.log(renderToString(createElement(ClosientCheckout, { organizationId: 'x', className: 'billing' })));",
      ],
      WORK,
    );
    assert.equal(printed.trim(), '<div class="billing"></div>');
  });

  test('tsc --strict accepts the app with no declaration of its own, and refuses the misuses', () => {
    // src/types.tsx marks each misuse with @ts-expect-error.
    run(path.join(WORK, 'node_modules/.bin/tsc'), ['--noEmit', '--strict', '-p', 'tsconfig.json'], WORK);
  });

  e2eTest('under StrictMode each mount point holds one widget, whose props and events work', fixture, async ({ page }) => {
    // React's development build, whose StrictMode runs every effect twice.
    run(path.join(WORK, 'node_modules/.bin/vite'), ['build', '--mode', 'development', '--logLevel', 'warn'], WORK, {
      NODE_ENV: 'development',
    });
    const site = path.join(WORK, 'dist');
    allowCheckoutOrigin(path.join(site, 'index.html'), fixture.mock.origin);
    fixture.proxy = await startProxy({ mock: fixture.mock, site, args: ORGANIZATIONS.flatMap((id) => ['--organization', id]) });

    const problems = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    const balances = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/billing/balance/')) balances.push(request.url().split('/').pop());
    });
    await page.goto(`${fixture.proxy.origin}/`);
    const forms = Object.fromEntries(
      Object.entries(MOUNT_POINTS).map(([name, selector]) => [name, new CheckoutPage(page, page.locator(selector))]),
    );
    for (const form of Object.values(forms)) await form.waitUntilUsable();
    await eventually(async () => (await lines(page)).length === 3, { what: 'three ready events' });

    // StrictMode ran the effects twice, and the discarded mounts left nothing.
    assert.equal(await page.evaluate(() => window.mountEffects), 2, 'a development build under StrictMode');
    for (const selector of Object.values(MOUNT_POINTS)) {
      assert.equal(await page.locator(`${selector} > div`).count(), 1, `one widget in ${selector}`);
    }
    // Locators see into open shadow roots.
    assert.equal(await page.locator('form').count(), 3, 'three forms in all');
    assert.deepEqual((await lines(page)).sort(), ['component ready', 'element ready', 'mounted ready']);
    assert.deepEqual(balances.sort(), ORGANIZATIONS, 'one balance read per widget');

    // onSubmit with its typed detail, and onRedirect keeping the page.
    const component = forms.component;
    const home = page.url();
    await component.fill({ amount: '25' });
    await component.submit.click();
    await eventually(async () => (await lines(page)).includes('component redirect kept true'), {
      what: 'the redirect handed to onRedirect',
    });
    assert.ok((await lines(page)).includes('component submit 2500'));
    await component.waitUntilReady(/^Add \$25\.00 to balance$/);
    assert.equal(page.url(), home);

    // A changed prop goes to the widget in place: what was typed stays, and no second ready.
    await component.amount.fill('7');
    await page.getByRole('button', { name: 'Raise the minimum' }).click();
    await component.submit.click();
    await component.root.getByText(/The minimum is \$10\.00/).waitFor();
    assert.equal(await component.amount.inputValue(), '7');
    assert.equal((await lines(page)).filter((line) => line === 'component ready').length, 1);

    // Unmounted, the component takes its widget along, and nothing fires later.
    const before = await lines(page);
    await page.getByRole('button', { name: 'Remove the component' }).click();
    assert.equal(await page.locator(MOUNT_POINTS.component).count(), 0);
    assert.equal(await page.locator('form').count(), 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(await lines(page), before);
    assert.deepEqual(problems, []);
  });
});
