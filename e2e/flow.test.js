// The paths a person takes: pay, cancel and try again, Back from the hosted page, and an
// impatient double click. The release widget, the real proxy and the mock, all on loopback.

'use strict';

const assert = require('node:assert/strict');
const { describe } = require('node:test');
const { ORGANIZATION, organization } = require('./harness');
const { e2eTest, eventually, launch, useStack } = require('./browser');
const { CheckoutPage, HostedPage } = require('./pages');

describe('top-up flow', () => {
  // Bound to the organizations below, so the proxy serves the balances the success view reads.
  const bound = [ORGANIZATION, ...['cancel', 'back', 'double'].map(organization)];
  const fixture = useStack({ proxyArgs: bound.flatMap((id) => ['--organization', id]) });

  e2eTest('pay: the success view shows the credited balance', fixture, async ({ page }) => {
    const form = new CheckoutPage(page);
    await form.open(fixture.stack.url);
    await form.fill({ organization: ORGANIZATION, amount: '25' });
    // The baseline the success view compares against.
    await form.root.getByText(/Current balance: \$150\.00/).waitFor();
    assert.equal(await form.submitText(), 'Add $25.00 to balance');
    await form.submit.click();

    await new HostedPage(page).payAndReturn('$25.00', form);
    const credited = await form.waitForStatus(/credited/, 30000);
    assert.match(credited, /\$175\.00/);
    assert.doesNotMatch(await form.statusText(), /could not|not responding/i);

    // Read once, the return leaves the address bar: a reload shows the form, not a second
    // "payment received".
    assert.equal(page.url(), fixture.stack.url);
    await page.reload();
    await form.waitUntilUsable();
    assert.equal(await form.heading('Payment received').count(), 0);
  });

  e2eTest('a malformed session id is never called a payment', fixture, async ({ page }) => {
    await page.goto(`${fixture.stack.url}?checkout=success&session_id=cs_test_%3Cscript%3E`);
    const form = new CheckoutPage(page);
    await form.heading('We could not confirm a payment').waitFor();
    assert.equal(await form.heading('Payment received').count(), 0);
    assert.doesNotMatch(await page.locator('body').innerText(), /credited/i);
    assert.equal((await fixture.stack.mock.stats()).checkout_requests, 0);
  });

  e2eTest('cancel then try again makes a new session', fixture, async ({ page }) => {
    const form = new CheckoutPage(page);
    await form.open(fixture.stack.url);
    await form.fill({ organization: organization('cancel'), amount: '25' });
    await form.submit.click();

    const hosted = new HostedPage(page);
    await hosted.waitUntilShown();
    const first = await hosted.sessionId();
    await hosted.cancel.click();

    await page.waitForURL(/[?&]checkout=cancel&amount_cents=2500/);
    await form.heading('No charge was made').waitFor();
    assert.equal(page.url(), fixture.stack.url, 'the return left the address bar');
    assert.match(await form.amount.inputValue(), /^\$?25(\.00)?$/);
    await form.waitUntilReady(/^Try again: add \$25\.00 to balance$/);
    await form.submit.click();

    await hosted.waitUntilShown();
    const second = await hosted.sessionId();
    assert.notEqual(second, first, 'a checkout session is single use: Try again needs a new one');
    await hosted.pay.click();
    await form.heading('Payment received').waitFor();
    await form.waitForStatus(/credited/, 30000);
  });

  e2eTest(
    'Back from the hosted page with the back-forward cache on',
    fixture,
    async ({ page, context }) => {
      // Records every `pageshow`, so the test knows the page really came from the cache.
      await context.addInitScript(() => {
        window.__pageshows = [];
        addEventListener('pageshow', (event) => window.__pageshows.push(event.persisted));
      });
      const form = new CheckoutPage(page);
      await form.open(fixture.stack.url);
      await form.fill({ organization: organization('back'), amount: '25' });
      await form.submit.click();
      const hosted = new HostedPage(page);
      await hosted.waitUntilShown();
      assert.equal((await fixture.stack.mock.stats()).checkout_requests, 1);

      // A restore from the back-forward cache fires no `load`.
      await page.goBack({ waitUntil: 'commit' });
      await form.submit.waitFor();
      const pageshows = await page.evaluate(() => window.__pageshows);
      assert.deepEqual(
        pageshows,
        [false, true],
        'the page should come back from the back-forward cache (pageshow persisted); ' +
          'otherwise this test proves nothing',
      );
      await form.waitUntilReady(/^Add \$25\.00 to balance$/, 5000);
      assert.doesNotMatch(await form.submitText(), /Redirecting/);

      await form.submit.click();
      await hosted.waitUntilShown();
      await eventually(
        async () => (await fixture.stack.mock.stats()).checkout_requests === 2,
        { timeout: 2000, what: 'exactly one new checkout request' },
      );
      // Nothing else arrives later (a second queued submit would show up here).
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal((await fixture.stack.mock.stats()).checkout_requests, 2);
    },
    { browser: () => launch({ backForwardCache: true }) },
  );

  e2eTest('double click and Enter spam send one request', fixture, async ({ page }) => {
    // A slow answer keeps the form busy while the extra clicks and key presses arrive.
    await fixture.stack.mock.faults({ checkout: ['slow:1500'] });
    const form = new CheckoutPage(page);
    await form.open(fixture.stack.url);
    await form.fill({ organization: organization('double'), amount: '25' });
    await form.submit.dblclick();
    for (let i = 0; i < 5; i += 1) await page.keyboard.press('Enter');
    await form.amount.press('Enter');
    await form.amount.press('Enter');
    await form.submit.click({ force: true });

    await new HostedPage(page).waitUntilShown();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stats = await fixture.stack.mock.stats();
    assert.equal(stats.checkout_requests, 1, 'the mock saw exactly one checkout request');
    assert.equal(stats.sessions.length, 1);
  });
});
