// The browser half of `cargo xtask bench`, in headless Chromium against the release widget,
// the real proxy and the mock (`--bench`), all on loopback:
// - start-up: cold loads of the widget's page, of a vanilla-JS form (vanilla.html) and of a
//   static snapshot of the widget's rendered page (the floor), all served by one proxy with
//   their Brotli twins, unthrottled and as a slow phone: when the form is visible, when it is
//   ready, and the main-thread blocking time and layout shift until then;
// - click to navigation: from the submit click to the start of the navigation to the hosted
//   page, less the upstream's own time (the proxy's `Server-Timing: upstream;dur=`);
// - balance polling: the balance requests of the success view, and how many of them reach the
//   upstream through the proxy's cache, for a webhook that credits after 2 s, 10 s or never.
//
// Not a test (the folder keeps `node --test e2e/` away from it). It prints one JSON document on
// stdout and its progress on stderr; the servers' logs go to BENCH_LOGS. Every wait is bounded,
// and so is the whole run.

'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { launch } = require('../browser');
const { API_KEY, PATHS, freePort, makeSite, organization, request, sleep, startProxy } = require('../harness');
const { CheckoutPage, HostedPage } = require('../pages');

const LOADS = Number(process.env.BENCH_LOADS || 15);
const CLICKS = Number(process.env.BENCH_CLICKS || 30);
const TOTAL_MS = Number(process.env.BENCH_DEADLINE_MS || 480000);
const LOGS = process.env.BENCH_LOGS || path.join(PATHS.scratch, 'bench');
/** Discarded first runs: the first load in a fresh browser pays for more than the page. */
const WARMUP = 1;
const WAIT_MS = 20000;
/** The widget's last poll comes about 56 s after the success view opens. */
const POLLING_MS = 90000;

/** The amount field, on every page: the widget's is inside its shadow root. */
const FIELD = 'input[name="amount"]';
/** The element the widget is mounted into, and the vanilla form's own id. */
const MOUNT = '#closient-checkout';

const CONDITIONS = {
  unthrottled: null,
  // Lighthouse's slow mobile: 4x CPU slowdown, 150 ms RTT, 1.6 Mbps down, 750 kbps up.
  slow: { cpuRate: 4, latencyMs: 150, downBps: 1.6e6, upBps: 750e3 },
};

/** A long task blocks input for its time past 50 ms. */
const LONG_TASK_MS = 50;
/**
 * How long a load is watched after it is ready: long tasks and layout shifts are reported once
 * they end, and a shift right after the start-up still counts.
 */
const SETTLE_MS = 300;

const log = (line) => process.stderr.write(`bench: ${line}\n`);

/**
 * Runs before any script of the page. Records in `window.__bench`, in `performance.now()`
 * milliseconds (since navigation start):
 * - `visible`: the first animation frame in which the amount field is in the document, or in an
 *   open shadow root under the mount element, has a box and is not hidden, and every stylesheet
 *   of its tree has loaded. Checked once per frame rather than on DOM changes: a declarative
 *   shadow root is made by the parser, so there is no `attachShadow` to hook and no mutation to
 *   see from outside it; and a stylesheet linked inside a shadow root does not block rendering,
 *   so the field can be in the DOM, even painted unstyled, before it looks as it should. A
 *   frame's callbacks run just before its style, layout and paint: the time is taken in the
 *   first frame that draws the styled field, a few ms before its pixels. Paint timing would
 *   say when the page first painted anything, not the field, and element timing does not
 *   cover form fields.
 * - `ready`: the `closient-checkout:ready` event of the mount element, which bubbles and is
 *   composed; heard at the window, in the capture phase, before any listener of the page.
 * - every long task, and every layout shift not caused by input.
 */
function watchStartUp({ field, mount }) {
  const bench = { longTasks: [], shifts: [] };
  window.__bench = bench;
  const find = () => {
    const direct = document.querySelector(field);
    const element = document.querySelector(mount);
    if (direct || !element) return direct;
    for (const host of [element, ...element.querySelectorAll('*')]) {
      const inShadow = host.shadowRoot?.querySelector(field);
      if (inShadow) return inShadow;
    }
    return null;
  };
  // A link's `sheet` is null until its stylesheet has loaded. A tree with no stylesheet at all
  // is not yet styled either.
  const styled = (input) => {
    const root = input.getRootNode();
    const links = [...root.querySelectorAll('link[rel~="stylesheet"]')];
    if (root !== document) links.push(...document.querySelectorAll('link[rel~="stylesheet"]'));
    const sheets = root.styleSheets.length + root.adoptedStyleSheets.length;
    return sheets > 0 && links.every((link) => link.sheet);
  };
  const shown = (input) => {
    const box = input.getBoundingClientRect();
    const hidden = !input.checkVisibility({ opacityProperty: true, visibilityProperty: true });
    return box.width > 0 && box.height > 0 && !hidden;
  };
  const frame = () => {
    const input = find();
    if (input && shown(input) && styled(input)) bench.visible = performance.now();
    else requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  addEventListener('closient-checkout:ready', (event) => {
    if (bench.ready === undefined && event.target.matches?.(mount)) bench.ready = performance.now();
  }, true);
  new PerformanceObserver((list) => {
    for (const task of list.getEntries()) bench.longTasks.push([task.startTime, task.duration]);
  }).observe({ type: 'longtask', buffered: true });
  new PerformanceObserver((list) => {
    for (const shift of list.getEntries()) {
      if (!shift.hadRecentInput) bench.shifts.push([shift.startTime, shift.value]);
    }
  }).observe({ type: 'layout-shift', buffered: true });
}

/**
 * One cold load of `page` in a fresh context (empty cache): `{ visible, ready, blocking, shift,
 * phases }`. `blocking` is the main-thread blocking time up to ready, `shift` the layout shift
 * up to ready and the settle; `phases` say when the page's own code arrived (`html`, the `js`
 * loader and the `wasm`, each at its response's end) and give its longest long task, for
 * reading where a slow start-up goes.
 */
async function coldLoad(browser, page, condition) {
  const context = await browser.newContext();
  try {
    const tab = await context.newPage();
    await tab.addInitScript(watchStartUp, { field: FIELD, mount: MOUNT });
    if (condition) {
      const cdp = await context.newCDPSession(tab);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: condition.latencyMs,
        downloadThroughput: condition.downBps / 8,
        uploadThroughput: condition.upBps / 8,
      });
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: condition.cpuRate });
    }
    await tab.goto(page.url, { waitUntil: 'commit', timeout: WAIT_MS });
    const until = async (key) => {
      const options = { timeout: WAIT_MS, polling: 50 };
      return (await tab.waitForFunction((name) => window.__bench[name], key, options)).jsonValue();
    };
    const visible = await until('visible');
    // The static snapshot has no script to wire its form: it is ready when it is visible.
    const ready = page.scripted ? await until('ready') : visible;
    await sleep(SETTLE_MS);
    const { tasks, shifts, html, resources } = await tab.evaluate(() => ({
      tasks: window.__bench.longTasks,
      shifts: window.__bench.shifts,
      html: performance.getEntriesByType('navigation')[0]?.responseEnd ?? null,
      resources: performance.getEntriesByType('resource').map((entry) => [entry.name, entry.responseEnd]),
    }));
    const startUp = tasks.filter(([start]) => start <= ready);
    const blocking = startUp.reduce((sum, [, duration]) => sum + Math.max(0, duration - LONG_TASK_MS), 0);
    const shift = shifts
      .filter(([start]) => start <= ready + SETTLE_MS)
      .reduce((sum, [, value]) => sum + value, 0);
    const arrived = (ext) => resources.find(([name]) => new URL(name).pathname.endsWith(ext))?.[1] ?? null;
    const phases = {
      html,
      js: arrived('.js'),
      wasm: arrived('.wasm'),
      longest_task: Math.max(0, ...startUp.map(([, duration]) => duration)),
    };
    return { visible, ready, blocking, shift, phases };
  } finally {
    await context.close().catch(() => {});
  }
}

/** Writes `file` with the Brotli and gzip twins a visitor is served instead. */
function writeServed(file, content) {
  fs.writeFileSync(file, content);
  fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(content));
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(content, { level: 9 }));
}

/** The vanilla form's files, into the site under the names its page uses. */
function addVanilla(site) {
  for (const ext of ['html', 'js', 'css']) {
    writeServed(path.join(site, `bench-vanilla.${ext}`), fs.readFileSync(path.join(__dirname, `vanilla.${ext}`)));
  }
}

/**
 * The widget's page as rendered, with its scripts and preloads taken out: the same markup and
 * styles, no JS and no wasm. The shadow root becomes a declarative one, and the stylesheet the
 * widget adopts into it a file linked from inside it (the proxy's CSP allows no inline style).
 */
async function addSnapshot(browser, url, site) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url, { timeout: WAIT_MS });
    await page.locator(FIELD).waitFor({ timeout: WAIT_MS });
    const { html, css } = await page.evaluate((field) => {
      const hosts = [...document.querySelectorAll('#closient-checkout > *')];
      const at = hosts.findIndex((host) => host.shadowRoot?.querySelector(field));
      if (at < 0) throw new Error('no shadow root holds the amount field');
      const { shadowRoot } = hosts[at];
      const rules = shadowRoot.adoptedStyleSheets.flatMap((sheet) => [...sheet.cssRules]);
      const root = document.documentElement.cloneNode(true);
      for (const node of root.querySelectorAll('script, link[rel="modulepreload"], link[rel="preload"]')) {
        node.remove();
      }
      const template = document.createElement('template');
      template.setAttribute('shadowrootmode', 'open');
      template.innerHTML = `<link rel="stylesheet" href="bench-static.css">${shadowRoot.innerHTML}`;
      root.querySelectorAll('#closient-checkout > *')[at].prepend(template);
      return {
        html: `<!doctype html>\n${root.outerHTML}\n`,
        css: rules.map((rule) => rule.cssText).join('\n'),
      };
    }, FIELD);
    writeServed(path.join(site, 'bench-static.html'), html);
    writeServed(path.join(site, 'bench-static.css'), css);
  } finally {
    await context.close().catch(() => {});
  }
}

/** The mock on a free port, `--bench`, crediting a payment after `creditDelay` (or `never`). */
async function startMock(creditDelay, name) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const output = fs.openSync(path.join(LOGS, `${name}.log`), 'w');
  const child = spawn(
    PATHS.mock,
    ['--listen', `127.0.0.1:${port}`, '--bench', '--credit-delay', creditDelay],
    { env: { ...process.env, CLOSIENT_API_KEY: API_KEY }, stdio: ['ignore', output, output] },
  );
  fs.closeSync(output);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const mock = {
    origin,
    stats: async () => JSON.parse((await request(`${origin}/__mock/stats`)).body),
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline && !exited) {
    if (await request(`${origin}/__mock/stats`).then((res) => res.status === 200, () => false)) return mock;
    await sleep(50);
  }
  await mock.stop();
  throw new Error(`the mock did not start (see ${LOGS}/${name}.log)`);
}

/** A mock, a copy of dist/ with the bench's pages, and a proxy serving it in front of the mock. */
async function startStack({ creditDelay, name, proxyArgs = [] }) {
  const mock = await startMock(creditDelay, `${name}-mock`);
  const site = makeSite(mock.origin);
  try {
    const proxy = await startProxy({ mock, site, args: ['--rate-limit', '0', ...proxyArgs] });
    return {
      mock,
      proxy,
      site,
      url: `${proxy.origin}/`,
      async stop() {
        fs.writeFileSync(path.join(LOGS, `${name}-proxy.log`), proxy.process.output());
        await proxy.stop();
        await mock.stop();
        fs.rmSync(site, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await mock.stop();
    fs.rmSync(site, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Per page and condition, each load's `{ visible, ready, blocking, shift }`; and when the
 * widget's code arrived on the slow loads.
 */
async function startUp(browser, stack, left) {
  addVanilla(stack.site);
  await addSnapshot(browser, stack.url, stack.site);
  const pages = {
    widget: { url: stack.url, scripted: true },
    vanilla: { url: `${stack.proxy.origin}/bench-vanilla.html`, scripted: true },
    static: { url: `${stack.proxy.origin}/bench-static.html`, scripted: false },
  };
  const result = {};
  for (const name of Object.keys(pages)) result[name] = { unthrottled: [], slow: [] };
  result.widget.slow_phases = [];
  for (const [conditionName, condition] of Object.entries(CONDITIONS)) {
    // Interleaved, so drift on a busy machine touches every page alike.
    for (let run = 0; run < WARMUP + LOADS; run += 1) {
      if (left() < WAIT_MS) throw new Error('no time left for another round of loads');
      for (const [name, page] of Object.entries(pages)) {
        const { phases, ...load } = await coldLoad(browser, page, condition);
        if (run < WARMUP) continue;
        result[name][conditionName].push(load);
        if (name === 'widget' && conditionName === 'slow') result.widget.slow_phases.push(phases);
      }
    }
    const times = (name) =>
      result[name][conditionName].map((load) => `${Math.round(load.visible)}/${Math.round(load.ready)}`);
    const line = Object.keys(pages).map((name) => `${name} ${times(name).join(' ')}`);
    log(`visible/ready, ${conditionName}: ${line.join('; ')}`);
  }
  return result;
}

/**
 * Runs before any script of the page: the click's time, and the start of the navigation to the
 * hosted page, which is then canceled so that the page stays to be read.
 */
function watchClick() {
  addEventListener('click', (event) => {
    window.__benchClickMs = event.timeStamp;
  }, true);
  navigation.addEventListener('navigate', (event) => {
    if (new URL(event.destination.url).pathname.startsWith('/pay/')) {
      window.__benchNavigationMs = performance.now();
      event.preventDefault();
    }
  });
}

/** Fills the widget's form and clicks its submit button. */
async function submitWidget(page, url) {
  const form = new CheckoutPage(page);
  await form.open(url);
  await form.fill({ organization: organization('click'), amount: '25' });
  await form.waitUntilReady(/^Add \$25\.00 to balance$/);
  await form.submit.click();
}

/** The same for the vanilla form, whose fields Playwright waits for until they are enabled. */
async function submitVanilla(page, url) {
  await page.goto(url, { timeout: WAIT_MS });
  await page.getByLabel('Organization ID').fill(organization('click'));
  await page.getByLabel('Custom amount (USD)').fill('25');
  await page.getByRole('button', { name: 'Add funds' }).click();
}

/**
 * One top-up's click: `{ ms, upstreamMs, beforeMs, requestMs, afterMs }`. `ms` is the click to
 * the navigation less `upstreamMs`; it splits into the click to the request's start, the
 * request less the upstream's time, and the answer's end to the navigation.
 */
async function clickToNavigation(browser, url, submit) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.addInitScript(watchClick);
    await submit(page, url);
    await page.waitForFunction(() => window.__benchNavigationMs !== undefined, null, { timeout: WAIT_MS });
    const seen = await page.evaluate(() => {
      const call = performance
        .getEntriesByType('resource')
        .filter((entry) => new URL(entry.name).pathname === '/api/billing/checkout')
        .pop();
      const upstream = call?.serverTiming.find((metric) => metric.name === 'upstream');
      return {
        click: window.__benchClickMs,
        navigation: window.__benchNavigationMs,
        upstream: upstream?.duration,
        start: call?.startTime,
        end: call?.responseEnd,
      };
    });
    if (seen.upstream === undefined) throw new Error('the checkout answer has no Server-Timing: upstream');
    return {
      ms: seen.navigation - seen.click - seen.upstream,
      upstreamMs: seen.upstream,
      beforeMs: seen.start - seen.click,
      requestMs: seen.end - seen.start - seen.upstream,
      afterMs: seen.navigation - seen.end,
    };
  } finally {
    await context.close().catch(() => {});
  }
}

/**
 * One payment through the hosted page, then the success view until it stops polling: credited,
 * or after its last poll. Counts the balance requests the page sends from the payment on, and
 * those the mock answers.
 */
async function polling(browser, lagS) {
  const name = `polling-${lagS ?? 'never'}`;
  const id = organization(name);
  const stack = await startStack({
    creditDelay: lagS === null ? 'never' : `${lagS}s`,
    name,
    proxyArgs: ['--balance-rate-limit', '0', '--organization', id],
  });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const form = new CheckoutPage(page);
    await form.open(stack.url);
    await form.fill({ organization: id, amount: '25' });
    // The balance before paying, which the success view compares against.
    await form.root.getByText(/Current balance: \$150\.00/).waitFor({ timeout: WAIT_MS });
    await form.waitUntilReady(/^Add \$25\.00 to balance$/);
    await form.submit.click();
    const hosted = new HostedPage(page);
    await hosted.waitUntilShown(WAIT_MS);
    let widgetRequests = 0;
    page.on('request', (sent) => {
      if (sent.url().startsWith(`${stack.proxy.origin}/api/billing/balance/`)) widgetRequests += 1;
    });
    const before = (await stack.mock.stats()).balance_requests;
    await hosted.pay.click();
    await page.waitForURL(/[?&]checkout=success/, { timeout: WAIT_MS });
    await form.waitForStatus(lagS === null ? /has not shown up yet/ : /credited/, POLLING_MS);
    // Nothing may follow the end of the round.
    await sleep(2000);
    const upstreamRequests = (await stack.mock.stats()).balance_requests - before;
    const lag = lagS === null ? 'never' : `after ${lagS} s`;
    log(`polling, webhook ${lag}: ${widgetRequests} sent, ${upstreamRequests} upstream`);
    return { lag_s: lagS, widget_requests: widgetRequests, upstream_requests: upstreamRequests };
  } finally {
    await context.close().catch(() => {});
    await stack.stop();
  }
}

async function main() {
  const started = Date.now();
  const left = () => TOTAL_MS - (Date.now() - started);
  const cleanup = [];
  const deadline = setTimeout(() => {
    log(`over ${TOTAL_MS} ms, giving up`);
    Promise.allSettled(cleanup.map((stop) => stop())).finally(() => process.exit(1));
  }, TOTAL_MS);
  try {
    fs.mkdirSync(LOGS, { recursive: true });
    const browser = await launch();
    cleanup.push(() => browser.close());
    const stack = await startStack({ creditDelay: '1s', name: 'browser' });
    cleanup.push(() => stack.stop());

    const tti = await startUp(browser, stack, left);
    // The vanilla form, measured the same way, shows what the browser itself costs.
    const forms = {
      widget: [stack.url, submitWidget],
      vanilla: [`${stack.proxy.origin}/bench-vanilla.html`, submitVanilla],
    };
    const clicks = { widget: [], vanilla: [] };
    for (let run = 0; run < WARMUP + CLICKS; run += 1) {
      if (left() < WAIT_MS) throw new Error('no time left for another click');
      for (const [name, [url, submit]] of Object.entries(forms)) {
        const click = await clickToNavigation(browser, url, submit);
        if (run >= WARMUP) clicks[name].push(click);
      }
    }
    for (const [name, runs] of Object.entries(clicks)) {
      log(`click to navigation, ${name}: ${runs.map((click) => click.ms.toFixed(1)).join(' ')}`);
    }
    // Each payment has its own servers, and counts rather than times: all three at once.
    if (left() < POLLING_MS + WAIT_MS) throw new Error('no time left for the polling runs');
    const polls = await Promise.all([2, 10, null].map((lagS) => polling(browser, lagS)));
    process.stdout.write(
      `${JSON.stringify({
        tti,
        clicks,
        polling: polls,
      })}\n`,
    );
  } finally {
    clearTimeout(deadline);
    for (const stop of cleanup.reverse()) await Promise.resolve().then(stop).catch(() => {});
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    log(error.stack || error.message);
    process.exit(1);
  },
);
