// The pictures of the widget on the README: the release build's form on its hosted page,
// filled in with a preset chosen and the balance shown, in the light and the dark color scheme;
// and of the example dashboard in each scheme, for the theme's docs, its two widgets following
// the dashboard's colours. Each scheme must paint the forms in its own colors. With
// UPDATE_SCREENSHOTS=1 the test also writes the pictures to docs/widget-<scheme>.png and
// docs/dashboard-<scheme>.png, to be committed.

'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe } = require('node:test');
const { DASHBOARD_PROXY_ARGS, ORGANIZATION } = require('./harness');
const { e2eTest, useStack } = require('./browser');
const { CheckoutPage } = require('./pages');

const DOCS = path.resolve(__dirname, '..', 'docs');
const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';
/** The space around the card in the picture, in CSS px. */
const MARGIN = 16;
/** Each scheme: the card's own color, and the page behind it (GitHub's, light and dark). */
const SCHEMES = {
  light: { surface: 'rgb(255, 255, 255)', page: '#ffffff' },
  dark: { surface: 'rgb(22, 27, 34)', page: '#0d1117' },
};

describe('screenshots of the widget', () => {
  // The id the demo prints, so that the picture shows what a new user types.
  const paying = ORGANIZATION;
  const fixture = useStack({ proxyArgs: ['--organization', paying] });

  for (const [scheme, colors] of Object.entries(SCHEMES)) {
    e2eTest(
      `the form in the ${scheme} color scheme${UPDATE ? `, written to docs/widget-${scheme}.png` : ''}`,
      fixture,
      async ({ page }) => {
        const form = new CheckoutPage(page);
        await form.open(fixture.stack.url);
        await form.waitUntilUsable();
        await form.fill({ organization: paying });
        await form.preset('$50.00').click();
        await form.root.getByText(/Current balance: \$150\.00/).waitFor();
        await form.waitUntilReady(/^Add \$50\.00 to balance$/);

        // The card; Playwright's CSS selectors reach into the open shadow root.
        const card = page.locator('#closient-checkout [part~="form"]');
        const surface = await card.evaluate((element) => getComputedStyle(element).backgroundColor);
        assert.equal(surface, colors.surface, `the card's color in the ${scheme} scheme`);

        // The hosted page sets no background; the picture's is the one GitHub shows it on.
        // Through the CSSOM, which the page's Content-Security-Policy allows.
        await page.evaluate((background) => {
          document.body.style.backgroundColor = background;
          const focused = document.activeElement;
          (focused?.shadowRoot?.activeElement ?? focused)?.blur?.();
        }, colors.page);
        const box = await card.boundingBox();
        assert.ok(box && box.width > 0 && box.height > 0, 'the card has a box');
        const picture = await page.screenshot({
          clip: {
            x: Math.max(0, box.x - MARGIN),
            y: Math.max(0, box.y - MARGIN),
            width: box.width + 2 * MARGIN,
            height: box.height + 2 * MARGIN,
          },
          animations: 'disabled',
          caret: 'hide',
        });
        assert.ok(picture.length > 1000, 'a picture was taken');
        if (UPDATE) fs.writeFileSync(path.join(DOCS, `widget-${scheme}.png`), picture);
      },
      { context: { colorScheme: scheme, viewport: { width: 520, height: 900 }, deviceScaleFactor: 2 } },
    );
  }
});

describe('screenshots of the example dashboard', () => {
  const fixture = useStack({ dashboard: true, proxyArgs: DASHBOARD_PROXY_ARGS });

  for (const [scheme, colors] of Object.entries(SCHEMES)) {
    e2eTest(
      `the dashboard in the ${scheme} color scheme${UPDATE ? `, written to docs/dashboard-${scheme}.png` : ''}`,
      fixture,
      async ({ page }) => {
        await page.goto(`${fixture.stack.url}embed.html`);
        for (const id of ['#team-billing', '#agency-billing']) {
          const form = new CheckoutPage(page, page.locator(id));
          await form.waitUntilUsable();
          await form.root.getByText(/Current balance/).first().waitFor();
        }
        // The mounted widget keeps the default colours; the element's accent is the dashboard's.
        const surface = await page
          .locator('#agency-billing [part~="form"]')
          .evaluate((element) => getComputedStyle(element).backgroundColor);
        assert.equal(surface, colors.surface, `the card's color in the ${scheme} scheme`);
        const picture = await page.screenshot({ animations: 'disabled', caret: 'hide' });
        assert.ok(picture.length > 1000, 'a picture was taken');
        if (UPDATE) fs.writeFileSync(path.join(DOCS, `dashboard-${scheme}.png`), picture);
      },
      { context: { colorScheme: scheme, viewport: { width: 1100, height: 720 } } },
    );
  }
});
