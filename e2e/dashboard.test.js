// The example dashboard (www/embed.html): the widget as the custom element and through mount(),
// on one page, loaded from the npm package (target/npm/), with the page's log of their events.
// The real proxy, bound to the dashboard's two organizations, and the mock.

'use strict';

const assert = require('node:assert/strict');
const { describe } = require('node:test');
const { DASHBOARD_ORGANIZATIONS, DASHBOARD_PROXY_ARGS } = require('./harness');
const { e2eTest, eventually, useStack } = require('./browser');
const { CheckoutPage, HostedPage } = require('./pages');

/** The two widgets of the page, found by their host elements. */
function widgets(page) {
  return {
    element: new CheckoutPage(page, page.locator('#team-billing')),
    mounted: new CheckoutPage(page, page.locator('#agency-billing')),
  };
}

/** The page's visible event log: `{ widget, event, detail, note }` per line, oldest first. */
async function eventLog(page) {
  return page.locator('#event-log li').evaluateAll((items) =>
    items.map((item) => ({
      widget: item.dataset.widget,
      event: item.dataset.event,
      detail: item.querySelector('.detail')?.textContent ?? '',
      note: item.querySelector('em')?.textContent.trim() ?? '',
    })),
  );
}

/** The log lines of one widget, with the `closient-checkout:` prefix taken off the names. */
async function eventsOf(page, widget) {
  return (await eventLog(page))
    .filter((entry) => entry.widget === widget)
    .map((entry) => ({ ...entry, event: entry.event.replace('closient-checkout:', '') }));
}

async function openDashboard(page, url) {
  await page.goto(`${url}embed.html`);
  const both = widgets(page);
  await both.element.waitUntilUsable();
  await both.mounted.waitUntilUsable();
  return both;
}

describe('example dashboard', () => {
  const fixture = useStack({ dashboard: true, proxyArgs: DASHBOARD_PROXY_ARGS });

  e2eTest('the element reports ready, submit and redirect, in order, then goes to checkout', fixture, async ({ page }) => {
    const { element } = await openDashboard(page, fixture.stack.url);
    await eventually(
      async () => (await eventsOf(page, 'team-billing')).some((entry) => entry.event === 'ready'),
      { what: 'a ready event from the element' },
    );
    await element.fill({ amount: '25' });
    await element.submit.click();
    const hosted = new HostedPage(page);
    await hosted.waitUntilShown();
    const sessionId = await hosted.sessionId();

    // The log is kept for the tab: back on the dashboard it shows what happened before.
    await page.goBack();
    await element.waitUntilUsable();
    const events = await eventsOf(page, 'team-billing');
    const names = events.map((entry) => entry.event);
    const submitAt = names.indexOf('submit');
    assert.ok(submitAt > 0, `a submit after a ready: ${names.join(', ')}`);
    assert.equal(names[submitAt - 1], 'ready', `ready just before submit: ${names.join(', ')}`);
    assert.equal(names[submitAt + 1], 'redirect', `redirect just after submit: ${names.join(', ')}`);
    assert.deepEqual(JSON.parse(events[submitAt].detail), {
      organizationId: DASHBOARD_ORGANIZATIONS.element,
      amountCents: 2500,
    });
    const { url } = JSON.parse(events[submitAt + 1].detail);
    assert.ok(
      url.startsWith(`${fixture.stack.mock.origin}/pay/${sessionId}`),
      `the redirect names the hosted page that opened: ${url}`,
    );
    assert.equal(events[submitAt + 1].note, '', 'the element’s redirect was not cancelled');
    const mounted = await eventsOf(page, 'agency-billing');
    assert.ok(
      !mounted.some((entry) => ['submit', 'redirect'].includes(entry.event)),
      'the other widget did nothing',
    );
  });

  e2eTest('a cancelled redirect keeps the page, and the form still works', fixture, async ({ page }) => {
    const { mounted } = await openDashboard(page, fixture.stack.url);
    const dashboard = page.url();
    const toggle = page.getByRole('button', { name: "Cancel this widget's redirects" });
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');

    await mounted.fill({ amount: '60' });
    await mounted.submit.click();
    await eventually(
      async () => (await eventsOf(page, 'agency-billing')).find((e) => e.event === 'redirect'),
      { what: 'a redirect event from the mounted widget' },
    );
    const redirect = (await eventsOf(page, 'agency-billing')).find((e) => e.event === 'redirect');
    assert.equal(redirect.note, '(cancelled by the page)');
    // Still here, with what was typed, and the button ready for another go.
    await mounted.waitUntilReady(/^Add \$60\.00 to balance$/);
    assert.equal(page.url(), dashboard);
    assert.equal(await mounted.amount.inputValue(), '60');
    assert.equal((await fixture.stack.mock.stats()).checkout_requests, 1);

    // The same form, redirects allowed again: a fresh session, and the browser goes there.
    await toggle.click();
    await mounted.submit.click();
    const hosted = new HostedPage(page);
    await hosted.waitUntilShown();
    assert.equal(await hosted.amount(), '$60.00');
    const stats = await fixture.stack.mock.stats();
    assert.equal(stats.checkout_requests, 2);
    assert.equal(stats.sessions.length, 2, 'a checkout URL is used once: the second submit made a new one');
  });

  e2eTest('a payment ends in credited, on the widget that paid only', fixture, async ({ page }) => {
    const { element } = await openDashboard(page, fixture.stack.url);
    await element.root.getByText(/Current balance: \$150\.00/).waitFor();
    await element.fill({ amount: '25' });
    await element.submit.click();
    const hosted = new HostedPage(page);
    await hosted.waitUntilShown();
    await hosted.pay.click();

    // Back on the dashboard: the element's name is in its return URL, so only it shows success.
    await page.waitForURL(/embed\.html\?.*checkout=success/);
    await element.heading('Payment received').waitFor();
    const credited = await eventually(
      async () => (await eventsOf(page, 'team-billing')).find((entry) => entry.event === 'credited'),
      { timeout: 30000, what: 'a credited event from the element' },
    );
    assert.deepEqual(JSON.parse(credited.detail), {
      organizationId: DASHBOARD_ORGANIZATIONS.element,
      amountCents: 2500,
      balanceCents: 17500,
    });
    assert.equal(page.url(), `${fixture.stack.url}embed.html`, 'the return left the address bar');
    const mounted = widgets(page).mounted;
    await mounted.waitUntilUsable();
    assert.equal(await mounted.heading('Payment received').count(), 0, 'the other widget keeps its form');
    assert.ok(
      !(await eventsOf(page, 'agency-billing')).some((entry) => entry.event === 'credited'),
      'no credited event from the other widget',
    );
  });

  e2eTest('a cancel leaves the address bar, keeping the page\'s own parameters', fixture, async ({ page }) => {
    await page.goto(`${fixture.stack.url}embed.html?tab=billing`);
    const { mounted } = widgets(page);
    await mounted.waitUntilUsable();
    await mounted.fill({ amount: '60' });
    await mounted.submit.click();
    const hosted = new HostedPage(page);
    await hosted.waitUntilShown();
    await hosted.cancel.click();

    await page.waitForURL(/embed\.html\?.*checkout=cancel/);
    await mounted.heading('No charge was made').waitFor();
    assert.equal(page.url(), `${fixture.stack.url}embed.html?tab=billing`);
    await page.reload();
    await mounted.waitUntilUsable();
    assert.equal(await mounted.heading('No charge was made').count(), 0, 'a reload shows the plain form');
  });

  e2eTest('the theme set on the element reaches inside its shadow root', fixture, async ({ page }) => {
    const { element, mounted } = await openDashboard(page, fixture.stack.url);
    const background = (form) => form.submit.evaluate((button) => getComputedStyle(button).backgroundColor);
    const radius = (form) => form.submit.evaluate((button) => getComputedStyle(button).borderTopLeftRadius);
    // embed.css: --cc-accent: #1a7f37 and --cc-radius: 14px on the element.
    assert.equal(await background(element), 'rgb(26, 127, 55)');
    assert.equal(await radius(element), '14px');
    assert.notEqual(await background(mounted), 'rgb(26, 127, 55)', 'the unthemed widget keeps the default');
  });
});
