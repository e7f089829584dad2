// The widget's colours follow the color-scheme of the page it is on, not the visitor's system,
// unless its `theme` forces one. The browser asks for dark throughout, so a light widget shows
// that the system's preference did not reach it. Each widget is checked on the computed colours
// of its card and its submit button, and a custom property the page sets wins in either scheme.
// The page is e2e/hosts/theme.html.

'use strict';

const assert = require('node:assert/strict');
const { describe } = require('node:test');
const { DASHBOARD_PROXY_ARGS } = require('./harness');
const { e2eTest, eventually, useStack } = require('./browser');
const { CheckoutPage } = require('./pages');

/** The default colours of each scheme: the card's background, the submit button's. */
const LIGHT = { card: 'rgb(255, 255, 255)', submit: 'rgb(10, 88, 202)' };
const DARK = { card: 'rgb(22, 27, 34)', submit: 'rgb(68, 147, 248)' };

/** Opens the theme host page with the page's color-scheme `scheme` (none when null). */
async function openHost(page, url, scheme) {
  await page.goto(`${url}hosts/theme.html${scheme ? `?scheme=${encodeURIComponent(scheme)}` : ''}`);
  for (const id of ['#auto-widget', '#light-widget', '#dark-widget']) {
    await new CheckoutPage(page, page.locator(id)).waitUntilUsable();
  }
}

/** Opens the page with the wasm never answered, and waits for each widget's first paint. */
async function openFirstPaint(page, url, scheme) {
  await page.route('**/*.wasm', () => {});
  await page.goto(`${url}hosts/theme.html${scheme ? `?scheme=${encodeURIComponent(scheme)}` : ''}`);
  for (const id of ['#auto-widget', '#light-widget', '#dark-widget']) {
    await page.locator(`${id} [part~="submit"]`).getByText('Getting ready…').waitFor();
  }
}

/** The computed colours of the card and the submit button of the widget in `id`. */
function colours(page, id) {
  return page.evaluate((id) => {
    const root = document.querySelector(`${id} > div`).shadowRoot;
    const background = (selector) => getComputedStyle(root.querySelector(selector)).backgroundColor;
    return { card: background('[part~="form"]'), submit: background('[part~="submit"]') };
  }, id);
}

describe('the theme', () => {
  const fixture = useStack({ dashboard: true, proxyArgs: DASHBOARD_PROXY_ARGS });
  const dark = { context: { colorScheme: 'dark' } };

  e2eTest('a page with no color-scheme gets a light widget; theme dark through mount() is dark', fixture, async ({ page }) => {
    await openHost(page, fixture.stack.url, null);
    assert.equal(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches), true);
    assert.deepEqual(await colours(page, '#auto-widget'), LIGHT, 'auto on a page that declares nothing');
    assert.deepEqual(await colours(page, '#dark-widget'), DARK, "theme: 'dark' through mount()");
  }, dark);

  e2eTest('a page with color-scheme: light dark follows the system: dark', fixture, async ({ page }) => {
    await openHost(page, fixture.stack.url, 'light dark');
    assert.deepEqual(await colours(page, '#auto-widget'), DARK, 'auto on a light dark page, system dark');
    assert.deepEqual(await colours(page, '#light-widget'), LIGHT, 'theme="light" stays light');
  }, dark);

  e2eTest('a dark page gets a dark widget; theme="light" on the element is light', fixture, async ({ page }) => {
    await openHost(page, fixture.stack.url, 'dark');
    assert.deepEqual(await colours(page, '#auto-widget'), DARK, 'auto on a dark page');
    assert.deepEqual(await colours(page, '#light-widget'), LIGHT, 'theme="light" on a dark page');
    assert.deepEqual(await colours(page, '#dark-widget'), DARK, "theme: 'dark'");

    // A custom property set by the page wins in either scheme.
    await page.evaluate(() => {
      for (const id of ['auto-widget', 'light-widget']) document.getElementById(id).style.setProperty('--cc-accent', 'rgb(1, 2, 3)');
    });
    for (const id of ['#auto-widget', '#light-widget']) {
      assert.equal((await colours(page, id)).submit, 'rgb(1, 2, 3)', `${id}: the page's accent`);
    }
    await page.evaluate(() => {
      for (const id of ['auto-widget', 'light-widget']) document.getElementById(id).style.removeProperty('--cc-accent');
    });

    // The attribute changes the colours in place; a wrong value is an INVALID_OPTION.
    const element = page.locator('#light-widget');
    await element.evaluate((el) => el.setAttribute('theme', 'auto'));
    await eventually(async () => (await colours(page, '#light-widget')).card === DARK.card, {
      what: 'theme="auto" follows the dark page',
    });
    const detail = await element.evaluate(
      (el) =>
        new Promise((resolve) => {
          el.addEventListener('closient-checkout:error', (event) => resolve(event.detail), { once: true });
          el.setAttribute('theme', 'night');
        }),
    );
    assert.deepEqual(detail, { code: 'INVALID_OPTION', status: 0, retryable: false, option: 'theme' });
    await page.locator('#light-widget [part~="config-error"]').getByText('theme must be auto, light or dark').waitFor();
  }, dark);

  // The package paints the form before the wasm arrives: already in the theme it was given.
  e2eTest('the first paint, before the wasm, is in the theme given', fixture, async ({ page }) => {
    const styled = async (id, want) =>
      eventually(async () => JSON.stringify(await colours(page, id)) === JSON.stringify(want), { what: `${id} painted` });
    await openFirstPaint(page, fixture.stack.url, null);
    await styled('#auto-widget', LIGHT);
    await styled('#dark-widget', DARK);
    await openFirstPaint(page, fixture.stack.url, 'dark');
    await styled('#auto-widget', DARK);
    await styled('#light-widget', LIGHT);
  }, dark);
});
