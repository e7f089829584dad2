// The widget on host pages it must not depend on: a strict Content-Security-Policy, and a reset
// stylesheet that restyles everything it can reach. The pages are e2e/hosts/, served with the
// npm package by the real proxy (whose own CSP is stricter still).

'use strict';

const assert = require('node:assert/strict');
const { describe } = require('node:test');
const { DASHBOARD_PROXY_ARGS } = require('./harness');
const { e2eTest, eventually, useStack } = require('./browser');
const { CheckoutPage } = require('./pages');

/** The computed properties compared: every one a host's CSS could plausibly disturb. */
const PROPERTIES = [
  'display', 'position', 'box-sizing', 'width', 'height',
  'margin-top', 'margin-right', 'margin-bottom', 'margin-left',
  'padding-top', 'padding-right', 'padding-bottom', 'padding-left',
  'border-top-width', 'border-right-width', 'border-bottom-width', 'border-left-width',
  'border-top-style', 'border-top-color', 'border-top-left-radius', 'border-bottom-right-radius',
  'color', 'background-color', 'background-image', 'box-shadow', 'opacity', 'visibility',
  'outline-style', 'outline-width', 'appearance', 'cursor',
  'font-family', 'font-size', 'font-weight', 'font-style', 'line-height',
  'letter-spacing', 'word-spacing', 'text-transform', 'text-align', 'text-indent',
  'text-decoration-line', 'white-space', 'direction', 'vertical-align', 'list-style-type',
];

/**
 * Opens a host page and waits until both its widgets can be used and show their organization's
 * balance: a balance that arrives later adds elements, and the styles are compared element by
 * element.
 */
async function openHost(page, url) {
  await page.goto(url);
  const element = new CheckoutPage(page, page.locator('#element-widget'));
  const mounted = new CheckoutPage(page, page.locator('#mounted-widget'));
  await element.waitUntilUsable();
  await mounted.waitUntilUsable();
  for (const id of ['#element-widget', '#mounted-widget']) {
    await page.locator(`${id} .cc-balance`).waitFor({ state: 'visible', timeout: 10000 });
  }
  return { element, mounted };
}

/** Every element of each widget's shadow tree, in document order, with the properties above. */
function widgetStyles(page) {
  return page.evaluate((properties) => {
    const out = [];
    for (const host of document.querySelectorAll('#element-widget, #mounted-widget')) {
      for (const shadowHost of host.querySelectorAll('*')) {
        if (!shadowHost.shadowRoot) continue;
        shadowHost.shadowRoot.querySelectorAll('*').forEach((element, i) => {
          const style = getComputedStyle(element);
          const values = Object.fromEntries(properties.map((name) => [name, style.getPropertyValue(name)]));
          out.push({ at: `${host.id} #${i} <${element.localName} class="${element.className}">`, values });
        });
      }
    }
    return out;
  }, PROPERTIES);
}

/** The host page's own elements, with the same properties (but the body's height, which holds the widgets). */
function hostStyles(page) {
  return page.evaluate((properties) => {
    return ['body', 'h1', '.host-text', 'label', '#host-input', '#host-button'].map((selector) => {
      const style = getComputedStyle(document.querySelector(selector));
      const names = selector === 'body' ? properties.filter((name) => name !== 'height') : properties;
      return { at: selector, values: Object.fromEntries(names.map((name) => [name, style.getPropertyValue(name)])) };
    });
  }, PROPERTIES);
}

/** Fails with every difference, element by element, rather than with the first. */
function assertSameStyles(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: as many elements`);
  const differences = [];
  expected.forEach((want, i) => {
    const got = actual[i];
    assert.equal(got.at, want.at, `${what}: the same element at #${i}`);
    for (const [name, value] of Object.entries(want.values)) {
      if (got.values[name] !== value) differences.push(`${got.at} ${name}: ${got.values[name]} instead of ${value}`);
    }
  });
  assert.deepEqual(differences, [], `${what}:\n${differences.join('\n')}`);
}

describe('host pages', () => {
  const fixture = useStack({ dashboard: true, proxyArgs: DASHBOARD_PROXY_ARGS });

  // The fixture fails any test on a CSP violation; this one goes through the states that change
  // styles on the strictest host page.
  e2eTest('a strict CSP host page reports no violation, and the widget is styled', fixture, async ({ page }) => {
    const errors = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    const { element, mounted } = await openHost(page, `${fixture.stack.url}hosts/plain.html`);
    const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.equal(policy, "script-src 'self' 'wasm-unsafe-eval'; style-src 'self'");

    // Through the states that change styles: an error shown, a busy button, a redirect
    // (cancelled by the host page, so it stays).
    await element.amount.fill('25,5');
    await element.submit.click();
    await element.amount.fill('25');
    await element.submit.click();
    await mounted.fill({ amount: '30' });
    await mounted.submit.click();
    await eventually(async () => (await fixture.stack.mock.stats()).checkout_requests === 2, {
      what: 'both checkouts requested',
    });
    await element.waitUntilUsable();
    await mounted.waitUntilUsable();

    // Styled from its adopted stylesheet: not the browser's default button.
    const look = await page.evaluate(() => {
      const submit = document.querySelector('#element-widget > div').shadowRoot.querySelector('button[type=submit]');
      const plain = document.getElementById('host-button');
      return { widget: getComputedStyle(submit).backgroundColor, host: getComputedStyle(plain).backgroundColor };
    });
    assert.notEqual(look.widget, look.host, 'the widget’s button has the widget’s own background');
    assert.deepEqual(errors, [], 'no console error');
  });

  e2eTest('an aggressive host stylesheet changes none of the widget’s styles', fixture, async ({ page }) => {
    await openHost(page, `${fixture.stack.url}hosts/plain.html`);
    const plain = await widgetStyles(page);
    assert.ok(plain.length >= 15, `the widgets rendered their elements (${plain.length})`);

    await openHost(page, `${fixture.stack.url}hosts/plain.html?reset`);
    // The reset really applies to the page: otherwise this test proves nothing.
    const body = await page.evaluate(() => getComputedStyle(document.body).fontSize);
    assert.equal(body, '30px', 'reset.css is in force on the host page');
    assertSameStyles(await widgetStyles(page), plain, 'the widget under reset.css');
  });

  e2eTest('the widget’s styles do not reach the host page', fixture, async ({ page }) => {
    await page.goto(`${fixture.stack.url}hosts/plain.html?reset&bare`);
    const without = await hostStyles(page);
    assert.equal(await page.locator('#element-widget > div').count(), 0, 'no widget on the bare page');

    await openHost(page, `${fixture.stack.url}hosts/plain.html?reset`);
    assertSameStyles(await hostStyles(page), without, 'the host page with the widgets');
    const sheets = await page.evaluate(() => document.adoptedStyleSheets.length);
    assert.equal(sheets, 0, 'no stylesheet adopted by the document itself');
  });
});
