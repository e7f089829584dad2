// What a person sees when the API misbehaves: rate limits, outages, an upstream that is down,
// and a checkout link that leads somewhere it must not.

'use strict';

const assert = require('node:assert/strict');
const { describe } = require('node:test');
const { organization, startProxy } = require('./harness');
const { e2eTest, useStack } = require('./browser');
const { CheckoutPage, HostedPage } = require('./pages');

describe('failures', () => {
  const fixture = useStack();

  async function openFilled(page, t, url = fixture.stack.url) {
    const form = new CheckoutPage(page);
    await form.open(url);
    await form.fill({ organization: organization(t.name), amount: '25' });
    return form;
  }

  e2eTest('429 with Retry-After 2: a countdown, then a retry by itself', fixture, async ({ page, t }) => {
    await fixture.stack.mock.faults({ checkout: ['rate_limited:2'] });
    const form = await openFilled(page, t);
    await form.submit.click();

    await form.waitForStatus(/Trying again in 2 seconds/);
    await form.waitForStatus(/Trying again in 1 second(?!s)/, 3000);
    // Nobody touches the page again: the retry goes by itself.
    await new HostedPage(page).waitUntilShown(8000);
    assert.equal((await fixture.stack.mock.stats()).checkout_requests, 2);
  });

  e2eTest('503 twice, then the hosted page without doing anything', fixture, async ({ page, t }) => {
    await fixture.stack.mock.faults({ checkout: ['unavailable', 'unavailable'] });
    const form = await openFilled(page, t);
    await form.submit.click();

    await new HostedPage(page).waitUntilShown(25000);
    assert.equal((await fixture.stack.mock.stats()).checkout_requests, 3);
  });

  e2eTest('upstream down: a clear message, input kept, then it works', fixture, async ({ page, t }) => {
    const { mock } = fixture.stack;
    const form = await openFilled(page, t);
    await mock.stop();
    try {
      await form.submit.click();
      const message = await form.waitForStatus(/could not|not responding/i, 30000);
      t.diagnostic(`message: ${message}`);
      assert.ok(message.length > 20, `a message a person can act on, got ${JSON.stringify(message)}`);
      assert.equal(await form.organization.inputValue(), organization(t.name));
      assert.match(await form.amount.inputValue(), /^\$?25(\.00)?$/);
      await form.waitUntilReady(/^Add \$25\.00 to balance$/);
    } finally {
      await mock.start();
    }
    await form.submit.click();
    await new HostedPage(page).waitUntilShown(15000);
    assert.equal((await mock.stats()).checkout_requests, 1);
  });

  e2eTest('a foreign checkout_url is never opened', fixture, async ({ page, context, t }) => {
    // The proxy refuses such a URL itself (502). To test the widget's own allowlist behind it,
    // this proxy is misconfigured to let https://evil.example through.
    const { mock, site } = fixture.stack;
    const lax = await startProxy({
      mock,
      site,
      args: ['--checkout-origin', 'https://evil.example'],
    });
    const logs = fixture.logs;
    fixture.logs = () => `${logs()}\n--- lax proxy ---\n${lax.process.output()}`;
    try {
      const opened = [];
      await context.route('https://evil.example/**', (route) => {
        opened.push(route.request().url());
        return route.abort();
      });
      await mock.faults({ checkout: ['foreign_url'] });
      const form = await openFilled(page, t, `${lax.origin}/`);
      await form.submit.click();

      const message = await form.waitForStatus(/trusted checkout page/i);
      assert.match(message, /not opened/i);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(new URL(page.url()).origin, lax.origin, 'the browser stays on our page');
      assert.deepEqual(opened, [], 'nothing was requested from the foreign origin');
      assert.equal((await mock.stats()).checkout_requests, 1, 'no retry of a refused link');
      await form.waitUntilReady(/^Add \$25\.00 to balance$/);
    } finally {
      fixture.logs = logs;
      await lax.stop();
    }
  });
});
