// The widget framed by a page on another site: the checkout must open in the top window
// (Stripe Checkout refuses to render in a frame).

'use strict';

const { after, before, beforeEach, describe } = require('node:test');
const { ORGANIZATION, freePort, startStack, startStaticPage } = require('./harness');
const { e2eTest, launch } = require('./browser');
const { CheckoutPage, HostedPage } = require('./pages');

describe('framed', () => {
  const fixture = {};

  before(async () => {
    // The host page is on http://localhost:PORT, the widget on http://127.0.0.1:OTHER: another
    // origin and another site.
    const hostPort = await freePort();
    fixture.hostOrigin = `http://localhost:${hostPort}`;
    fixture.stack = await startStack({ proxyArgs: ['--frame-ancestors', fixture.hostOrigin] });
    fixture.host = await startStaticPage(
      `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner dashboard</title></head>
<body><h1>Partner dashboard</h1>
<iframe src="${fixture.stack.url}" title="Add funds" width="600" height="700"></iframe>
</body></html>`,
      hostPort,
    );
    fixture.browser = await launch();
    fixture.logs = fixture.stack.logs;
  });
  after(async () => {
    await fixture.browser?.close();
    await fixture.host?.stop();
    await fixture.stack?.stop();
  });
  beforeEach(() => fixture.stack.mock.reset());

  e2eTest('in a cross-origin iframe the top window goes to checkout', fixture, async ({ page, t }) => {
    await page.goto(`${fixture.hostOrigin}/`);
    const frame = page.frameLocator('iframe[title="Add funds"]');
    const form = new CheckoutPage(page, frame);
    await form.submit.waitFor();
    await form.fill({ organization: ORGANIZATION, amount: '25' });
    await form.submit.click();

    // Either the widget navigates the top window itself, or (when the browser blocks that) it
    // shows a link that targets the top window, which a person clicks.
    const hosted = new HostedPage(page);
    const link = frame.getByRole('link', { name: /Continue to secure checkout/ });
    const outcome = await Promise.race([
      hosted.waitUntilShown(10000).then(() => 'navigated'),
      link.waitFor({ timeout: 10000 }).then(() => 'link'),
    ]);
    t.diagnostic(
      outcome === 'link' ? 'the widget showed its "Continue to secure checkout" link' : 'top-level navigation',
    );
    if (outcome === 'link') {
      await link.click();
      await hosted.waitUntilShown();
    }
  });
});
