// An axe-core audit at WCAG 2.2 AA of every state a person can meet: the form (empty, filled,
// with field errors, with the "correct the fields" notice, in the dark color scheme; empty and
// refused, dark; widgets forced light and dark on a light and a dark host page), the
// refusals (a 5xx, a 403, a 429 too long to wait out), the countdown, the mock's hosted page,
// the success view (waiting, then credited), the cancel view, the links of a frame that may not
// leave, and the widgets on the example dashboard. Each state must have no violation, and the
// widget's controls must meet non-text contrast (1.4.11), which axe does not check. Every
// page's violations, rules passed and rules axe could not decide are written to
// target/e2e/a11y.json for the report.

'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { after, before, describe } = require('node:test');
const { AxeBuilder } = require('@axe-core/playwright');
const { DASHBOARD_PROXY_ARGS, ORGANIZATION, PATHS, freePort, organization, startStaticPage } = require('./harness');
const { e2eTest, useStack } = require('./browser');
const { CheckoutPage, HostedPage } = require('./pages');

/** WCAG 2.0, 2.1 and 2.2, levels A and AA: axe's rules for each (2.2 adds target size). */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const REPORT = path.join(PATHS.artifacts, 'a11y.json');

/**
 * Runs in a frame: the widget's controls whose boundary (the border, or the fill of a
 * borderless button) has less than 3:1 against the background around it (WCAG 1.4.11), as
 * sentences.
 */
function faintControls() {
  const rgba = (color) => {
    const [r, g, b, a = 1] = color.match(/[\d.]+/g).map(Number);
    return { r, g, b, a };
  };
  const luminance = ({ r, g, b }) => {
    const linear = (v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  // The first opaque background from `element` outwards, through shadow hosts; the canvas last.
  const behind = (element) => {
    for (let at = element; at; at = at.parentElement ?? at.getRootNode().host) {
      const color = rgba(getComputedStyle(at).backgroundColor);
      if (color.a === 1) return color;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const found = [];
  const visit = (scope) => {
    for (const element of scope.querySelectorAll('*')) {
      if (element.shadowRoot) visit(element.shadowRoot);
      if (scope === document || !element.matches('input, button')) continue;
      const style = getComputedStyle(element);
      const boundary = rgba(parseFloat(style.borderTopWidth) > 0 ? style.borderTopColor : style.backgroundColor);
      const [light, dark] = [luminance(boundary), luminance(behind(element.parentElement))].sort((x, y) => y - x);
      const ratio = (light + 0.05) / (dark + 0.05);
      if (ratio < 3) {
        const name = element.getAttribute('name') ?? element.textContent.trim();
        found.push(`<${element.localName}> "${name}": boundary ${ratio.toFixed(2)}:1 against what is around it`);
      }
    }
  };
  visit(document);
  return found;
}

/** `faintControls` in every frame of `page` (a framed widget is in its iframe). */
async function nonTextContrast(page) {
  const perFrame = await Promise.all(page.frames().map((frame) => frame.evaluate(faintControls)));
  return perFrame.flat();
}

describe('accessibility audit (axe-core, WCAG 2.2 AA)', () => {
  const report = [];
  const host = {};
  // Before the stack starts: the proxy must be told the framing page's origin.
  before(async () => {
    host.port = await freePort();
    host.origin = `http://localhost:${host.port}`;
  });
  // Each test's own organization, bound so the proxy serves its balance (an unbound one is
  // refused with 403 before any upstream call).
  const org = Object.fromEntries(['pay', 'refusals', 'cancel', 'framed'].map((label) => [label, organization(`a11y-${label}`)]));
  const fixture = useStack({
    dashboard: true,
    proxyArgs: () => [
      ...DASHBOARD_PROXY_ARGS,
      ...Object.values(org).flatMap((id) => ['--organization', id]),
      '--frame-ancestors',
      host.origin,
    ],
  });
  after(async () => {
    await host.server?.stop();
    fs.mkdirSync(path.dirname(REPORT), { recursive: true });
    fs.writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
  });

  /**
   * Audits what `page` shows now as `name`, records it, and returns the record; the test
   * asserts on all of its states at its end, so one bad state does not hide the next.
   */
  async function audit(t, page, name) {
    const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
    const violations = result.violations.map((rule) => ({
      rule: rule.id,
      impact: rule.impact,
      help: rule.help,
      nodes: rule.nodes.map((node) => ({ target: node.target, html: node.html, why: node.failureSummary })),
    }));
    const faint = await nonTextContrast(page);
    if (faint.length > 0) violations.push({ rule: 'non-text contrast (WCAG 1.4.11, checked here)', nodes: faint });
    const entry = {
      page: name,
      url: page.url(),
      violations,
      passes: result.passes.length,
      incomplete: result.incomplete.map((rule) => rule.id),
      axe: result.testEngine.version,
    };
    report.push(entry);
    const undecided = entry.incomplete.length ? `, undecided: ${entry.incomplete.join(' ')}` : '';
    t.diagnostic(`${name}: ${violations.length} violations, ${entry.passes} rules passed${undecided}`);
    return entry;
  }

  function assertNoViolations(audits) {
    const found = audits.filter((entry) => entry.violations.length > 0);
    assert.deepEqual(
      found.map(({ page, violations }) => ({ page, violations })),
      [],
      `accessibility violations:\n${JSON.stringify(found, null, 2)}`,
    );
  }

  e2eTest('the form: empty, filled, field errors, the notice, dark', fixture, async ({ page, t }) => {
    const form = new CheckoutPage(page);
    await form.open(fixture.stack.url);
    await form.waitUntilUsable();
    const audits = [await audit(t, page, 'form, empty')];

    await form.fill({ organization: ORGANIZATION, amount: '25' });
    await form.root.getByText(/Current balance: \$150\.00/).waitFor();
    assert.equal(await form.preset('$25.00').getAttribute('aria-pressed'), 'true');
    audits.push(await audit(t, page, 'form, filled (balance shown, preset pressed)'));

    // Each field's own message, shown once the person has left it.
    await form.fill({ organization: 'abc0', amount: '25,5' });
    await form.submit.focus();
    await form.root.getByText(/is not allowed/).waitFor();
    await form.root.getByText(/for cents/).waitFor();
    audits.push(await audit(t, page, 'form, field errors'));

    await form.submit.press('Enter');
    await form.waitForStatus(/Please correct the highlighted fields/);
    audits.push(await audit(t, page, 'form, "correct the fields" notice'));

    await page.emulateMedia({ colorScheme: 'dark' });
    audits.push(await audit(t, page, 'form, notice and field errors, dark color scheme'));
    assertNoViolations(audits);
  });

  // The system asks for dark: the hosted page follows it, and the widgets of a host page follow
  // that page's color-scheme or their theme, light or dark.
  e2eTest('dark: the form and a refusal, and widgets of both schemes on a host page', fixture, async ({ page, t }) => {
    const form = new CheckoutPage(page);
    await form.open(fixture.stack.url);
    await form.waitUntilUsable();
    const audits = [await audit(t, page, 'form, empty, dark color scheme')];
    await fixture.stack.mock.faults({ checkout: ['forbidden'] });
    await form.fill({ organization: org.refusals, amount: '25' });
    await form.submit.click();
    await form.waitForStatus(/may not add funds/);
    audits.push(await audit(t, page, 'form, 403 message, dark color scheme'));

    for (const scheme of ['light', 'dark']) {
      await page.goto(`${fixture.stack.url}hosts/theme.html?scheme=${scheme}`);
      for (const id of ['#auto-widget', '#light-widget', '#dark-widget']) {
        await new CheckoutPage(page, page.locator(id)).waitUntilUsable();
      }
      audits.push(await audit(t, page, `host page, color-scheme ${scheme}: auto, light and dark widgets`));
    }
    assertNoViolations(audits);
  }, { context: { colorScheme: 'dark' } });

  e2eTest('the countdown, the hosted page, the success view waiting and credited', fixture, async ({ page, t }) => {
    const { mock } = fixture.stack;
    const form = new CheckoutPage(page);
    await form.open(fixture.stack.url);
    await form.fill({ organization: org.pay, amount: '25' });
    await form.root.getByText(/Current balance: \$150\.00/).waitFor();
    const audits = [];

    // Long enough for the audit to end before the retry leaves the page.
    await mock.faults({ checkout: ['rate_limited:5'] });
    await form.submit.click();
    await form.waitForStatus(/Trying again in \d seconds/);
    audits.push(await audit(t, page, 'form, 429 countdown'));

    // The countdown ends in a retry by itself.
    const hosted = new HostedPage(page);
    await hosted.waitUntilShown();
    audits.push(await audit(t, page, "the mock's hosted checkout page"));

    // The success view's balance reads wait until its waiting state has been audited: a slow
    // network, where the real one would answer before the audit ends.
    let release;
    const held = new Promise((resolve) => {
      release = resolve;
    });
    await page.route('**/api/billing/balance/**', (route) => held.then(() => route.continue()));
    await hosted.pay.click();
    await form.heading('Payment received').waitFor();
    await form.waitForStatus(/Crediting \$25\.00/);
    audits.push(await audit(t, page, 'success view, waiting for the credit'));
    assert.doesNotMatch(await form.statusText(), /credited/, 'still waiting after the audit');
    release();

    await form.waitForStatus(/credited/, 30000);
    audits.push(await audit(t, page, 'success view, credited'));
    assertNoViolations(audits);
  });

  e2eTest('the cancel view', fixture, async ({ page, t }) => {
    const form = new CheckoutPage(page);
    await form.open(fixture.stack.url);
    await form.fill({ organization: org.cancel, amount: '25' });
    await form.submit.click();
    const hosted = new HostedPage(page);
    await hosted.waitUntilShown();
    await hosted.cancel.click();
    await form.heading('No charge was made').waitFor();
    await form.waitUntilReady(/^Try again: add \$25\.00 to balance$/);
    assertNoViolations([await audit(t, page, 'cancel view')]);
  });

  e2eTest('the links of a frame that may not send the top window to checkout', fixture, async ({ page, t }) => {
    // A host that sandboxes its frame without allow-top-navigation: the widget cannot leave the
    // frame, so it shows its "Continue to secure checkout" links.
    host.server = await startStaticPage(
      `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner dashboard</title></head>
<body><main><h1>Partner dashboard</h1>
<iframe src="${fixture.stack.url}" title="Add funds" width="600" height="760"
  sandbox="allow-scripts allow-same-origin allow-forms allow-popups"></iframe>
</main></body></html>`,
      host.port,
    );
    await page.goto(`${host.origin}/`);
    const frame = page.frameLocator('iframe[title="Add funds"]');
    const form = new CheckoutPage(page, frame);
    await form.submit.waitFor();
    await form.fill({ organization: org.framed, amount: '25' });
    await form.submit.click();
    await frame.getByRole('link', { name: 'Continue to secure checkout' }).waitFor();
    await form.waitForStatus(/Use the link below/);
    assert.equal(new URL(page.url()).origin, host.origin, 'the top window stayed');
    assertNoViolations([await audit(t, page, 'framed fallback ("Continue to secure checkout" links)')]);
  });

  e2eTest('the widgets on the example dashboard', fixture, async ({ page, t }) => {
    await page.goto(`${fixture.stack.url}embed.html`);
    const element = new CheckoutPage(page, page.locator('#team-billing'));
    const mounted = new CheckoutPage(page, page.locator('#agency-billing'));
    await element.waitUntilUsable();
    await mounted.waitUntilUsable();
    await element.root.getByText(/Current balance/).waitFor();
    await mounted.root.getByText(/Current balance/).waitFor();
    const audits = [await audit(t, page, 'example dashboard (element and mount())')];
    // The dashboard follows the system's scheme, and its widgets follow the dashboard.
    await page.emulateMedia({ colorScheme: 'dark' });
    audits.push(await audit(t, page, 'example dashboard, dark color scheme'));
    assertNoViolations(audits);
  });

  // Last: the upstream's 429 of 120 s pauses every later call to it, as the proxy promises.
  e2eTest('refusals: a 5xx, a 403 and a 429 too long to wait out', fixture, async ({ page, t }) => {
    const { mock } = fixture.stack;
    const form = new CheckoutPage(page);
    await form.open(fixture.stack.url);
    await form.fill({ organization: org.refusals, amount: '25' });
    const audits = [];

    // Three answers of 500: the widget's last retry gives up.
    await mock.faults({ checkout: ['server_error', 'server_error', 'server_error'] });
    await form.submit.click();
    await form.waitForStatus(/not responding/);
    await form.waitUntilReady(/^Add \$25\.00 to balance$/);
    audits.push(await audit(t, page, 'form, server 5xx message'));

    await mock.faults({ checkout: ['forbidden'] });
    await form.submit.click();
    await form.waitForStatus(/may not add funds/);
    audits.push(await audit(t, page, 'form, 403 message'));

    await mock.faults({ checkout: ['rate_limited:120'] });
    await form.submit.click();
    await form.waitForStatus(/You can try again in 120 seconds/);
    audits.push(await audit(t, page, 'form, 429 message (too long to wait out)'));
    assert.equal((await mock.stats()).checkout_requests, 5);
    assertNoViolations(audits);
  });
});
