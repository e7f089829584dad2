// The package's two entries as a page uses them (npm/index.js and npm/element.js, built into
// target/npm/): <closient-checkout> moved, changed, removed and imported twice, and mount()
// refusing bad options. On the plain host page of e2e/hosts/.

'use strict';

const assert = require('node:assert/strict');
const { describe } = require('node:test');
const { DASHBOARD_PROXY_ARGS } = require('./harness');
const { e2eTest, eventually, useStack } = require('./browser');
const { CheckoutPage } = require('./pages');

/** Counts every widget event per element id, from before the page's own scripts run. */
async function countEvents(context) {
  await context.addInitScript(() => {
    window.__events = [];
    for (const name of ['ready', 'invalid', 'submit', 'redirect', 'error', 'credited']) {
      document.addEventListener(`closient-checkout:${name}`, (event) => {
        window.__events.push({ target: event.target.id, name, detail: event.detail });
      });
    }
  });
}

const events = (page, name) =>
  page.evaluate((wanted) => window.__events.filter((event) => event.name === wanted), name);

async function openHost(page, url) {
  await page.goto(`${url}hosts/plain.html`);
  const form = new CheckoutPage(page, page.locator('#element-widget'));
  await form.waitUntilUsable();
  return form;
}

describe('the package in a page', () => {
  const fixture = useStack({ dashboard: true, proxyArgs: DASHBOARD_PROXY_ARGS });

  e2eTest('moving the element keeps the widget and what was typed', fixture, async ({ page, context }) => {
    await countEvents(context);
    const form = await openHost(page, fixture.stack.url);
    await form.amount.fill('42');
    await page.evaluate(() => {
      const element = document.getElementById('element-widget');
      element.firstElementChild.dataset.before = 'move';
      // Taken out and put back in one task, as a framework re-ordering a list does: the
      // element is disconnected (its callback runs) before it is connected again.
      element.remove();
      document.getElementById('slot-other').append(element);
    });
    // Past the microtask that would have unmounted it.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
    assert.equal(await page.locator('#slot-other > #element-widget').count(), 1);
    assert.equal(
      await page.evaluate(() => document.getElementById('element-widget').firstElementChild.dataset.before),
      'move',
      'the same widget, not a new one',
    );
    assert.equal(await form.amount.inputValue(), '42');
    const ready = (await events(page, 'ready')).filter((event) => event.target === 'element-widget');
    assert.equal(ready.length, 1, 'mounted once');
  });

  e2eTest('an attribute change updates the widget and keeps what was typed', fixture, async ({ page }) => {
    const form = await openHost(page, fixture.stack.url);
    await form.amount.fill('42');
    await page.locator('#element-widget').evaluate((element) => element.setAttribute('presets', '1500 3000'));
    await form.preset('$15.00').waitFor();
    assert.equal(await form.preset('$25.00').count(), 0, 'the old presets are gone');
    assert.equal(await form.amount.inputValue(), '42');
    await form.waitUntilReady(/^Add \$42\.00 to balance$/);
  });

  e2eTest('a bad attribute shows the configuration error and reports INVALID_OPTION', fixture, async ({ page, context }) => {
    await countEvents(context);
    const form = await openHost(page, fixture.stack.url);
    await page.locator('#element-widget').evaluate((element) => element.setAttribute('min-cents', 'ten'));
    await form.root.getByRole('alert').waitFor();
    assert.match(await form.root.getByRole('alert').innerText(), /min-cents/);
    const [error] = await eventually(async () => {
      const found = await events(page, 'error');
      return found.length > 0 && found;
    });
    assert.deepEqual(error.detail, { code: 'INVALID_OPTION', status: 0, retryable: false, option: 'minCents' });
  });

  e2eTest('removing the element unmounts the widget; adding it again mounts a new one', fixture, async ({ page, context }) => {
    await countEvents(context);
    await openHost(page, fixture.stack.url);
    const removed = await page.evaluate(async () => {
      const element = document.getElementById('element-widget');
      element.remove();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const left = element.childElementCount;
      document.getElementById('slot-other').append(element);
      return left;
    });
    assert.equal(removed, 0, 'the widget took its element away when removed');
    const form = new CheckoutPage(page, page.locator('#slot-other #element-widget'));
    await form.waitUntilUsable();
    await eventually(
      async () => (await events(page, 'ready')).filter((event) => event.target === 'element-widget').length === 2,
      { what: 'a second ready from the element' },
    );
  });

  e2eTest('a second copy of the element module registers nothing and throws nothing', fixture, async ({ page }) => {
    await openHost(page, fixture.stack.url);
    const outcome = await page.evaluate(async () => {
      const before = customElements.get('closient-checkout');
      // Another URL is another module instance: a second copy of the package.
      await import('/npm/element.js?copy=2');
      return { same: customElements.get('closient-checkout') === before, globals: Object.keys(window).filter((key) => /closient|wasm|wbg/i.test(key)) };
    });
    assert.deepEqual(outcome, { same: true, globals: [] });
  });

  e2eTest('mount() rejects a bad option with a TypeError that names it', fixture, async ({ page }) => {
    await openHost(page, fixture.stack.url);
    const errors = await page.evaluate(async () => {
      const { mount } = await import('/npm/index.js');
      const host = document.getElementById('slot-other');
      const reason = async (options) => {
        try {
          await mount(host, options);
          return 'mounted';
        } catch (error) {
          return `${error.constructor.name}: ${error.message}`;
        }
      };
      return {
        unknown: await reason({ organisationId: 'x' }),
        wrongType: await reason({ minCents: '1000' }),
        tooLow: await reason({ minCents: 100 }),
        children: host.childElementCount,
      };
    });
    assert.match(errors.unknown, /^TypeError: .*organisationId/);
    assert.match(errors.wrongType, /^TypeError: .*minCents/);
    assert.match(errors.tooLow, /^TypeError: .*minCents/);
    assert.equal(errors.children, 0, 'nothing is shown for a refused mount');
  });
});
