// Time to an interactive form, for `cargo xtask bench`: headless Chromium loads the release
// widget through the real proxy (with the mock behind it), and a static page with the same form
// markup and no wasm through a second proxy, and measures each from navigation start to the
// amount field being present and enabled. Unthrottled, then with CDP throttling.
//
// Not a test (the file name keeps `node --test e2e/` away from it). It prints one line per
// page and condition on stdout, `samples <page> <condition> <ms> <ms> ...`, and its progress on
// stderr. Every wait is bounded, and so is the whole run.

'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { launch } = require('../browser');
const { startProxy, startStack } = require('../harness');

const RUNS = Number(process.env.BENCH_RUNS || 10);
/** Discarded runs per page and condition: the first load in a fresh browser pays extra. */
const WARMUP = 1;
const WAIT_MS = 20000;
const TOTAL_MS = Number(process.env.BENCH_DEADLINE_MS || 150000);

/** The amount field, in the widget's mount element. */
const FIELD = '#closient-checkout input[name="amount"]';

const CONDITIONS = {
  unthrottled: null,
  // Lighthouse's mobile preset: 4x CPU slowdown, 150 ms RTT, 1.6 Mbps down, 750 kbps up.
  throttled: { cpuRate: 4, latencyMs: 150, downBps: 1.6e6, upBps: 750e3 },
};

/**
 * Runs before any script of the page: records `performance.now()` (milliseconds since
 * navigation start) the moment the field is in the document and enabled.
 */
function watchForField(selector) {
  const ready = () => {
    const field = document.querySelector(selector);
    return field !== null && field.isConnected && !field.disabled && !field.readOnly;
  };
  const observer = new MutationObserver(() => {
    if (window.__benchFieldMs === undefined && ready()) {
      window.__benchFieldMs = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ['disabled', 'readonly'],
  });
}

/** One cold load in a fresh context (empty cache); returns milliseconds. */
async function measure(browser, url, condition) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.addInitScript(watchForField, FIELD);
    if (condition) {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: condition.latencyMs,
        downloadThroughput: condition.downBps / 8,
        uploadThroughput: condition.upBps / 8,
      });
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: condition.cpuRate });
    }
    await page.goto(url, { waitUntil: 'commit', timeout: WAIT_MS });
    const handle = await page.waitForFunction(() => window.__benchFieldMs, null, {
      timeout: WAIT_MS,
      polling: 50,
    });
    return await handle.jsonValue();
  } finally {
    await context.close().catch(() => {});
  }
}

/**
 * The widget's rendered page with its scripts and preloads taken out: the same form markup and
 * stylesheet, no JS and no wasm. Written into a copy of the site, so the stylesheet is there too.
 */
async function staticSite(browser, stack) {
  const context = await browser.newContext();
  let html;
  try {
    const page = await context.newPage();
    await page.goto(stack.url, { timeout: WAIT_MS });
    await page.waitForSelector(`${FIELD}:enabled`, { timeout: WAIT_MS });
    html = await page.evaluate(() => {
      const root = document.documentElement.cloneNode(true);
      for (const node of root.querySelectorAll(
        'script, link[rel="modulepreload"], link[rel="preload"]',
      )) {
        node.remove();
      }
      return `<!doctype html>\n${root.outerHTML}\n`;
    });
  } finally {
    await context.close().catch(() => {});
  }
  if (!html.includes('name="amount"')) throw new Error('the rendered page has no amount field');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closient-bench-static-'));
  fs.cpSync(stack.site, dir, { recursive: true });
  // The precompressed twins go too: a server sends a twin even where the plain file is gone.
  for (const file of fs.readdirSync(dir)) {
    if (/\.(js|wasm)(\.br|\.gz)?$|^index\.html\.(br|gz)$/.test(file)) fs.rmSync(path.join(dir, file));
  }
  fs.writeFileSync(path.join(dir, 'index.html'), html);
  return dir;
}

async function main() {
  const started = Date.now();
  const left = () => TOTAL_MS - (Date.now() - started);
  const cleanup = [];
  const deadline = setTimeout(() => {
    process.stderr.write(`time-to-form: over ${TOTAL_MS} ms, giving up\n`);
    Promise.allSettled(cleanup.map((stop) => stop())).finally(() => process.exit(1));
  }, TOTAL_MS);
  try {
    const stack = await startStack();
    cleanup.push(() => stack.stop());
    const browser = await launch();
    cleanup.unshift(() => browser.close());
    const site = await staticSite(browser, stack);
    cleanup.push(async () => fs.rmSync(site, { recursive: true, force: true }));
    const plain = await startProxy({ mock: stack.mock, site });
    cleanup.unshift(() => plain.stop());

    const pages = { wasm: stack.url, static: `${plain.origin}/` };
    for (const [conditionName, condition] of Object.entries(CONDITIONS)) {
      const samples = { static: [], wasm: [] };
      // Interleaved, so drift on a busy machine touches both pages alike.
      for (let run = 0; run < WARMUP + RUNS; run += 1) {
        if (left() < WAIT_MS) throw new Error('not enough time left for another run');
        for (const [pageName, url] of Object.entries(pages)) {
          const ms = await measure(browser, url, condition);
          if (run >= WARMUP) samples[pageName].push(ms);
        }
      }
      for (const [pageName, values] of Object.entries(samples)) {
        const line = `samples ${pageName} ${conditionName} ${values.map((v) => v.toFixed(1)).join(' ')}`;
        process.stdout.write(`${line}\n`);
        process.stderr.write(`time-to-form: ${line}\n`);
      }
    }
  } finally {
    clearTimeout(deadline);
    for (const stop of cleanup) await Promise.resolve().then(stop).catch(() => {});
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`time-to-form: ${error.stack || error.message}\n`);
    process.exit(1);
  },
);
