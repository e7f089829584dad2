// Headless Chromium for the tests, and `e2eTest`: a test with a fresh browser context whose
// failure leaves a screenshot, the browser console and the servers' logs in
// target/e2e/<test name>/, and which fails on any Content-Security-Policy violation the browser
// reports on any page it loads.

'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { after, before, beforeEach, test } = require('node:test');
const { chromium } = require('playwright-core');
const { PATHS, startStack } = require('./harness');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  // Without these Chromium floods the closed network with refused connections.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Chromium. `backForwardCache: true` turns the back-forward cache on: Playwright passes
 * `--disable-back-forward-cache` by default, and with it a Back test could never fail.
 */
function launch({ backForwardCache = false } = {}) {
  return chromium.launch({
    executablePath: PATHS.chromium,
    headless: true,
    args: backForwardCache
      ? [...CHROMIUM_ARGS, '--enable-features=BackForwardCache']
      : CHROMIUM_ARGS,
    ignoreDefaultArgs: backForwardCache ? ['--disable-back-forward-cache'] : [],
  });
}

/** A folder name for a test: its name with anything unusual replaced. */
function artifactDir(testName) {
  const safe = testName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100);
  return path.join(PATHS.artifacts, safe || 'unnamed');
}

/** Starts each violation line the pages print, so the context's console listener can tell it. */
const CSP_MARKER = '[csp-violation]';

/**
 * Collects, into the array it returns, every CSP violation the browser reports in `context`:
 * each `securitypolicyviolation` event of every page and frame (an init script listens before
 * any of the page's own scripts run, and prints it with the marker), and Chromium's own console
 * errors that name the Content Security Policy ("... violates the following Content Security
 * Policy directive ..."), which also cover refusals that fire no event in the page that sees
 * them (a `frame-ancestors` block is reported to the parent's console). Report-only violations
 * count too: they are what the policy would block.
 */
async function watchCspViolations(context) {
  const violations = [];
  await context.addInitScript((marker) => {
    document.addEventListener(
      'securitypolicyviolation',
      (event) => {
        const where = `${event.sourceFile || event.documentURI}:${event.lineNumber}`;
        const blocked = event.blockedURI || 'inline';
        console.error(`${marker} ${event.disposition} ${event.effectiveDirective}: ${blocked} at ${where}`);
      },
      true,
    );
  }, CSP_MARKER);
  context.on('console', (message) => {
    const text = message.text();
    const chromium = message.type() === 'error' && /Content Security Policy/.test(text);
    if (text.startsWith(CSP_MARKER) || chromium) {
      violations.push(`${message.page()?.url() ?? '(no page)'}: ${text}`);
    }
  });
  return violations;
}

/**
 * A test that gets `{ page, context, t }` in a fresh context of `fixture.browser`. On failure it
 * writes `screenshot.png`, `console.log` and `servers.log` (from `fixture.logs()`). A CSP
 * violation anywhere in the context fails it, after its body, naming each violation.
 * `options.browser` overrides the browser (for the back-forward cache test);
 * `options.context` goes to `browser.newContext` (a viewport, a color scheme).
 */
function e2eTest(name, fixture, body, options = {}) {
  test(name, { timeout: options.timeout ?? 60000 }, async (t) => {
    const dir = artifactDir(t.name);
    fs.rmSync(dir, { recursive: true, force: true });
    const browser = options.browser ? await options.browser() : fixture.browser;
    const context = await browser.newContext(options.context);
    context.setDefaultTimeout(10000);
    const violations = await watchCspViolations(context);
    const page = await context.newPage();
    const consoleLines = [];
    const stamp = () => new Date().toISOString().slice(11, 23);
    page.on('console', (message) =>
      consoleLines.push(`${stamp()} [${message.type()}] ${message.text()}`),
    );
    page.on('pageerror', (error) => consoleLines.push(`${stamp()} [pageerror] ${error.message}`));
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) consoleLines.push(`${stamp()} [navigated] ${frame.url()}`);
    });
    try {
      let failure;
      await body({ page, context, t }).catch((error) => {
        failure = error;
      });
      if (violations.length > 0) {
        // A violation may be why the body failed: its message says so either way.
        const report = `the browser reported ${violations.length} CSP violation(s):\n${violations.join('\n')}`;
        if (failure) failure.message += `\n${report}`;
        else failure = new Error(report);
      }
      if (failure) {
        fs.mkdirSync(dir, { recursive: true });
        await page
          .screenshot({ path: path.join(dir, 'screenshot.png'), fullPage: true })
          .catch((e) => consoleLines.push(`(no screenshot: ${e.message})`));
        consoleLines.push(`${stamp()} [url at failure] ${page.url()}`);
        fs.writeFileSync(path.join(dir, 'console.log'), `${consoleLines.join('\n')}\n`);
        if (fixture.logs) fs.writeFileSync(path.join(dir, 'servers.log'), fixture.logs());
        failure.message += `\n(screenshot and logs in ${path.relative(process.cwd(), dir) || dir})`;
        throw failure;
      }
    } finally {
      await context.close().catch(() => {});
      if (options.browser) await browser.close().catch(() => {});
    }
  });
}

/** Polls `check` (which returns a truthy value or throws) until it passes or time runs out. */
async function eventually(check, { timeout = 10000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = new Error(`${what}: not yet (got ${JSON.stringify(value)})`);
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      last.message = `after ${timeout} ms: ${last.message}`;
      throw last;
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * The fixture of a `describe` block that needs the plain stack: the mock, the proxy serving the
 * release build, and a browser, started once; the mock is reset before each test. `options`
 * go to `startStack` (`{ proxyArgs, dashboard }`).
 */
function useStack(options = {}) {
  const fixture = {};
  before(async () => {
    fixture.stack = await startStack(options);
    fixture.browser = await launch();
    fixture.logs = fixture.stack.logs;
  });
  after(async () => {
    await fixture.browser?.close();
    await fixture.stack?.stop();
  });
  beforeEach(() => fixture.stack.mock.reset());
  return fixture;
}

module.exports = { e2eTest, eventually, launch, useStack };
