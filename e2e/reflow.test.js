// Reflow (WCAG 1.4.10): at 320 CSS px wide, what 1280 px at 400% zoom or 640 px at 200% gives,
// nothing is cut off. A viewport of 320 px is the honest way to get it: a deviceScaleFactor
// changes device pixels, not the CSS width that layout uses, and CSS `zoom` on the body is not
// what a browser's zoom does. Checked on every view of the widget's own page and on the example
// dashboard: the page does not scroll sideways, every control lies inside the viewport, and no
// element of the widget is wider inside than its box.

'use strict';

const assert = require('node:assert/strict');
const { describe } = require('node:test');
const { DASHBOARD_PROXY_ARGS, organization } = require('./harness');
const { e2eTest, useStack } = require('./browser');
const { CheckoutPage, HostedPage } = require('./pages');

const VIEWPORT = { width: 320, height: 640 };

/**
 * What is cut off on the page now, as sentences; none is the goal. Text fields are left out of
 * the clipping check: a field's value scrolls inside it by design (64 characters never fit).
 */
function cutOff(page) {
  return page.evaluate(() => {
    const problems = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) {
      problems.push(`the page scrolls sideways: ${root.scrollWidth} px of content in ${root.clientWidth} px`);
    }
    const describe = (element) =>
      `<${element.localName}${element.className ? ` class="${element.className}"` : ''}> "${element.textContent.trim().slice(0, 40)}"`;
    const visit = (scope, inWidget) => {
      for (const element of scope.querySelectorAll('*')) {
        if (element.shadowRoot) visit(element.shadowRoot, true);
        const box = element.getBoundingClientRect();
        if (box.width === 0 && box.height === 0) continue;
        if (element.matches('a[href], button, input, select, textarea') && (box.left < 0 || box.right > innerWidth)) {
          problems.push(`${describe(element)} lies outside the viewport: ${Math.round(box.left)} to ${Math.round(box.right)} px`);
        }
        if (inWidget && element.localName !== 'input' && element.scrollWidth > element.clientWidth && element.clientWidth > 0) {
          problems.push(`${describe(element)} is clipped: ${element.scrollWidth} px of content in ${element.clientWidth} px`);
        }
      }
    };
    visit(document, false);
    return problems;
  });
}

describe('reflow at 320 CSS px', () => {
  const paying = organization('reflow');
  const fixture = useStack({ dashboard: true, proxyArgs: [...DASHBOARD_PROXY_ARGS, '--organization', paying] });

  e2eTest(
    'every view of the widget fits 320 px: form, errors, cancel, countdown, hosted page, success',
    fixture,
    async ({ page }) => {
      const checked = {};
      const check = async (what) => {
        checked[what] = await cutOff(page);
      };
      const form = new CheckoutPage(page);
      await form.open(fixture.stack.url);
      await form.fill({ organization: 'abc0', amount: '25,5' });
      await form.submit.click();
      await form.waitForStatus(/Please correct the highlighted fields/);
      await check('form with field errors and the notice');

      await form.fill({ organization: paying, amount: '25' });
      await form.root.getByText(/Current balance/).waitFor();
      await check('form, filled');
      await form.submit.click();
      const hosted = new HostedPage(page);
      await hosted.waitUntilShown();
      await check("the mock's hosted page");
      await hosted.cancel.click();
      await form.heading('No charge was made').waitFor();
      await check('cancel view');

      await fixture.stack.mock.faults({ checkout: ['rate_limited:2'] });
      await form.waitUntilReady(/^Try again: add \$25\.00 to balance$/);
      await form.submit.click();
      await form.waitForStatus(/Trying again in/);
      await check('countdown');
      await hosted.waitUntilShown();
      await hosted.pay.click();
      await form.heading('Payment received').waitFor();
      await form.waitForStatus(/credited/, 30000);
      await check('success view, credited');

      const problems = Object.entries(checked).filter(([, found]) => found.length > 0);
      assert.deepEqual(problems, [], `cut off at 320 px:\n${JSON.stringify(problems, null, 2)}`);
    },
    { context: { viewport: VIEWPORT } },
  );

  e2eTest(
    'the example dashboard and its two widgets fit 320 px',
    fixture,
    async ({ page }) => {
      await page.goto(`${fixture.stack.url}embed.html`);
      const element = new CheckoutPage(page, page.locator('#team-billing'));
      const mounted = new CheckoutPage(page, page.locator('#agency-billing'));
      await element.waitUntilUsable();
      await mounted.waitUntilUsable();
      await element.amount.fill('25,5');
      await element.root.getByText(/for cents/).waitFor();
      assert.deepEqual(await cutOff(page), [], 'cut off at 320 px');
    },
    { context: { viewport: VIEWPORT } },
  );
});
