// The form in the first paint: the hosted page carries the form as declarative shadow DOM, so
// a person sees it, labelled and styled, and can type into it before the wasm arrives; the
// widget then takes it over with everything typed. The wasm is held back here by a few
// seconds, as on a slow connection.

'use strict';

const assert = require('node:assert/strict');
const { describe } = require('node:test');
const { AxeBuilder } = require('@axe-core/playwright');
const { DASHBOARD_PROXY_ARGS, organization } = require('./harness');
const { e2eTest, useStack } = require('./browser');
const { CheckoutPage, HostedPage } = require('./pages');

/**
 * Not bound to the proxy, so no balance line appears under it: that line's own arrival moves
 * the form, with or without a first paint.
 */
const TYPED = organization('first-paint');

/** How long the wasm is held back. */
const WASM_DELAY_MS = 3000;

/** Sums every layout shift not caused by input, from the start of the page. */
function watchLayoutShift() {
  window.__layoutShift = 0;
  window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      window.__layoutShift += entry.value;
      window.__shifts.push({ value: entry.value, at: Math.round(entry.startTime) });
    }
  }).observe({ type: 'layout-shift', buffered: true });
}

/** Opens the page with its wasm held back; resolves once the wasm has been asked for. */
async function openHeldBack(page, url) {
  let asked;
  const wasmAsked = new Promise((resolve) => {
    asked = resolve;
  });
  await page.route('**/*.wasm', async (route) => {
    asked();
    await new Promise((resolve) => setTimeout(resolve, WASM_DELAY_MS));
    await route.continue();
  });
  await page.addInitScript(watchLayoutShift);
  await page.addInitScript(() => {
    addEventListener('closient-checkout:ready', () => {
      window.__ready = true;
    });
  });
  await page.goto(url);
  await wasmAsked;
}

const isReady = (page) => page.evaluate(() => window.__ready === true);

describe('the form in the first paint', () => {
  const fixture = useStack();

  e2eTest('before the wasm: visible, labelled, axe-clean, and a click on its button goes nowhere', fixture, async ({ page }) => {
    await openHeldBack(page, fixture.stack.url);
    const form = new CheckoutPage(page);
    await form.amount.waitFor({ state: 'visible' });
    assert.equal(await isReady(page), false, 'the wasm has not taken over yet');
    assert.equal(await form.heading('Add funds to your ad balance').count(), 1);
    const button = form.root.getByRole('button', { name: 'Getting ready…' });
    assert.equal(await button.getAttribute('aria-disabled'), 'true', 'it says it is getting ready');
    // Styled: the widget's stylesheet applies inside the shadow root.
    const width = await form.amount.evaluate((input) => input.getBoundingClientRect().width);
    assert.ok(width > 200, `the field is laid out by the widget's styles (${width}px)`);

    // `preload: false`: axe would copy the shadow root's linked stylesheet into an inline
    // <style>, which the page's policy refuses.
    const results = await new AxeBuilder({ page })
      .options({ preload: false })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
      .analyze();
    assert.deepEqual(
      results.violations.map((violation) => violation.id),
      [],
      JSON.stringify(results.violations, null, 2).slice(0, 2000),
    );

    await form.fill({ organization: TYPED, amount: '42' });
    const before = page.url();
    // `force`: it is aria-disabled, which a person can still click.
    await button.click({ force: true });
    await form.amount.press('Enter');
    await page.waitForTimeout(300);
    assert.equal(page.url(), before, 'no native submit: nothing in the address bar');
    assert.equal(await isReady(page), false, 'still before the wasm');
    assert.equal(await form.amount.inputValue(), '42');
  });

  e2eTest('typed before the wasm, kept after it, and the checkout posts exactly that', fixture, async ({ page }) => {
    await openHeldBack(page, fixture.stack.url);
    const form = new CheckoutPage(page);
    await form.amount.waitFor({ state: 'visible' });
    await form.organization.fill(TYPED);
    await form.amount.fill('42.5');
    await form.amount.press('ArrowLeft');
    assert.equal(await isReady(page), false, 'typed before the wasm took over');

    await page.waitForFunction(() => window.__ready === true, null, { timeout: 20000 });
    assert.equal(await form.organization.inputValue(), TYPED);
    assert.equal(await form.amount.inputValue(), '42.5');
    const caret = await form.amount.evaluate((input) => [
      input.getRootNode().activeElement === input,
      input.selectionStart,
    ]);
    assert.deepEqual(caret, [true, 3], 'the focus and the caret stay where they were');
    // Typing goes on where it was.
    await page.keyboard.type('0');
    assert.equal(await form.amount.inputValue(), '42.05');
    await form.amount.fill('42.50');
    await form.waitUntilReady(/^Add \$42\.50 to balance$/);
    const shift = await page.evaluate(() => window.__layoutShift);
    assert.ok(shift <= 0.01, `layout shift ${shift}`);

    await form.submit.click();
    const hosted = new HostedPage(page);
    await hosted.waitUntilShown();
    assert.equal(await hosted.amount(), '$42.50');
  });

  // The page is pre-rendered in each language; its head script keeps the browser's before the
  // first paint, so the wasm's arrival changes no word and moves nothing.
  e2eTest('a German browser sees German from the first paint, and nothing moves when the wasm takes over', fixture, async ({ page, t }) => {
    await openHeldBack(page, fixture.stack.url);
    await page.getByRole('button', { name: 'Wird vorbereitet…' }).waitFor();
    assert.equal(await isReady(page), false, 'before the wasm');
    assert.equal(await page.getByRole('heading', { name: 'Anzeigenguthaben aufladen' }).count(), 1);
    assert.equal(await page.locator('#closient-checkout > [lang]').count(), 1, 'the English form is gone');
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 20000 });
    await page.getByRole('button', { name: 'Guthaben aufladen' }).waitFor();
    await page.waitForTimeout(300);
    const { shift, shifts } = await page.evaluate(() => ({ shift: window.__layoutShift, shifts: window.__shifts }));
    t.diagnostic(`layout shift ${shift}`);
    assert.ok(shift <= 0.01, `layout shift ${shift}: ${JSON.stringify(shifts)}`);
  }, { context: { locale: 'de-DE' } });

  e2eTest('untouched, the page does not move when the wasm takes over', fixture, async ({ page }) => {
    await openHeldBack(page, fixture.stack.url);
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 20000 });
    await new CheckoutPage(page).waitUntilUsable();
    await page.waitForTimeout(300);
    const shift = await page.evaluate(() => window.__layoutShift);
    assert.ok(shift <= 0.01, `layout shift ${shift}`);
  });
});

describe('the first paint on the example dashboard', () => {
  const fixture = useStack({ dashboard: true, proxyArgs: DASHBOARD_PROXY_ARGS });

  // The dashboard puts the package's prerendered.html into each widget's place, as a page
  // rendered on a server would; the element and mount() take it over.
  e2eTest('both widgets are on screen before the wasm, and the page does not move', fixture, async ({ page }) => {
    // The element's fixed organization shows its balance once read: that line's arrival, after
    // the wasm, is held back too, so that what is measured is the wait for the wasm alone.
    await page.route('**/api/billing/balance/**', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      await route.continue().catch(() => {});
    });
    await page.addInitScript(() => {
      window.__readyCount = 0;
      addEventListener('closient-checkout:ready', () => {
        window.__readyCount += 1;
      });
    });
    await openHeldBack(page, `${fixture.stack.url}embed.html`);
    for (const id of ['#team-billing', '#agency-billing']) {
      const form = new CheckoutPage(page, page.locator(id));
      await form.amount.waitFor({ state: 'visible' });
      await form.root.getByRole('button', { name: 'Getting ready…' }).waitFor();
    }
    assert.equal(await page.evaluate(() => window.__readyCount), 0, 'before the wasm');
    await page.waitForFunction(() => window.__readyCount === 2, null, { timeout: 20000 });
    await page.waitForTimeout(300);
    const { shift, shifts } = await page.evaluate(() => ({ shift: window.__layoutShift, shifts: window.__shifts }));
    assert.ok(shift <= 0.01, `layout shift ${shift}: ${JSON.stringify(shifts)}`);
  });

  e2eTest('a mount aborted before the wasm arrives leaves nothing, dispatches nothing, sends nothing', fixture, async ({ page }) => {
    const aborted = organization('aborted-mount');
    const asked = [];
    page.on('request', (request) => {
      if (request.url().includes(aborted)) asked.push(request.url());
    });
    await page.addInitScript(() => {
      window.__readyCount = 0;
      addEventListener('closient-checkout:ready', () => {
        window.__readyCount += 1;
      });
    });
    await openHeldBack(page, `${fixture.stack.url}embed.html`);
    const hosts = await page.evaluate(async (organizationId) => {
      const { mount } = await import(new URL('npm/index.js', location.href).href);
      const [early, late] = [document.createElement('div'), document.createElement('div')];
      document.body.append(early, late);
      window.__aborted = [early, late];
      const before = new AbortController();
      before.abort();
      const during = new AbortController();
      window.__mounts = [
        mount(early, { organizationId }, { signal: before.signal }),
        mount(late, { organizationId }, { signal: during.signal }),
      ];
      const painted = late.childElementCount;
      during.abort();
      return { early: early.childElementCount, painted, late: late.childElementCount };
    }, aborted);
    assert.deepEqual(hosts, { early: 0, painted: 1, late: 0 }, 'the first paint goes with the abort');
    await page.waitForFunction(() => window.__readyCount === 2, null, { timeout: 20000 });
    const after = await page.evaluate(async () => {
      const handles = await Promise.all(window.__mounts);
      handles.forEach((handle) => handle.unmount());
      return window.__aborted.map((host) => host.childElementCount);
    });
    assert.deepEqual(after, [0, 0], 'nothing rendered once the wasm arrived');
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.__readyCount), 2, "only the dashboard's two widgets are ready");
    assert.deepEqual(asked, [], 'no request for the aborted mounts');
  });
});
