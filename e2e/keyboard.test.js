// The whole payment with the keyboard alone: Tab to the organization field and type, Tab to a
// preset and press Space, Tab to the amount and press Enter, Tab to Pay on the hosted page and
// press Enter, and back on the success view the live region says the balance was credited.
// Every step asserts where the focus is; no pointer event reaches any page.

'use strict';

const assert = require('node:assert/strict');
const { describe } = require('node:test');
const { organization } = require('./harness');
const { e2eTest, eventually, useStack } = require('./browser');
const { CheckoutPage, HostedPage } = require('./pages');

/** Starts the line a page prints for each pointer or mouse event it sees. */
const POINTER_MARKER = '[pointer-event]';

/** The focused element, looked up through shadow roots: its tag, name and accessible text. */
function focused(page) {
  return page.evaluate(() => {
    let element = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    if (!element || element === document.body) return null;
    return {
      tag: element.localName,
      name: element.getAttribute('name'),
      text: (element.labels?.[0] ?? element).textContent.trim(),
    };
  });
}

/** Presses Tab and asserts where the focus lands. */
async function tabTo(page, expected, what) {
  await page.keyboard.press('Tab');
  const now = await focused(page);
  assert.ok(now, `Tab to ${what}: nothing is focused`);
  for (const [key, value] of Object.entries(expected)) {
    const matches = value instanceof RegExp ? value.test(now[key] ?? '') : now[key] === value;
    assert.ok(matches, `Tab to ${what}: focused ${JSON.stringify(now)}`);
  }
}

describe('keyboard only', () => {
  const paying = organization('keyboard');
  const fixture = useStack({ proxyArgs: ['--organization', paying] });

  e2eTest('pay with Tab, typing, Space and Enter, and hear the credit', fixture, async ({ page, context }) => {
    const pointer = [];
    await context.addInitScript((marker) => {
      for (const type of ['pointerdown', 'pointerup', 'mousedown', 'mouseup', 'mousemove', 'dblclick']) {
        addEventListener(type, () => console.log(`${marker} ${type} on ${location.href}`), true);
      }
    }, POINTER_MARKER);
    context.on('console', (message) => {
      if (message.text().startsWith(POINTER_MARKER)) pointer.push(message.text());
    });

    const form = new CheckoutPage(page);
    await form.open(fixture.stack.url);
    await form.waitUntilUsable();
    await tabTo(page, { tag: 'input', name: 'organization_id' }, 'the organization field');
    await page.keyboard.type(paying);
    await form.root.getByText(/Current balance: \$150\.00/).waitFor();
    await tabTo(page, { tag: 'button', text: '$25.00' }, 'the first preset');
    await tabTo(page, { tag: 'button', text: '$50.00' }, 'the second preset');
    await page.keyboard.press('Space');
    assert.equal(await form.preset('$50.00').getAttribute('aria-pressed'), 'true');
    await tabTo(page, { tag: 'button', text: '$100.00' }, 'the third preset');
    await tabTo(page, { tag: 'input', name: 'amount' }, 'the amount field');
    assert.match(await form.amount.inputValue(), /^50(\.00)?$/, 'Space on the preset filled the amount');
    assert.equal(await form.submitText(), 'Add $50.00 to balance');
    // Enter in a text field submits its form.
    await page.keyboard.press('Enter');

    const hosted = new HostedPage(page);
    await hosted.waitUntilShown();
    await tabTo(page, { tag: 'button', text: 'Pay $50.00' }, 'Pay');
    await page.keyboard.press('Enter');

    await page.waitForURL(/[?&]checkout=success&session_id=cs_test_/);
    await form.heading('Payment received').waitFor();
    // The region is announced politely as its text changes: from waiting to credited.
    const region = form.root.locator('[role="status"]');
    assert.equal(await region.getAttribute('aria-live'), 'polite');
    await eventually(async () => /credited\. New balance: \$200\.00/.test(await region.innerText()), {
      timeout: 30000,
      what: 'the credited balance in the live region',
    });
    await tabTo(page, { tag: 'a', text: 'Add more funds' }, 'the way back to the form');
    assert.deepEqual(pointer, [], 'no pointer or mouse event on any page');
  });
});
