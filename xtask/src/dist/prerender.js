// Renders the widget's form the way the built page does, in headless Chromium, once for a
// visitor of each language, and prints the markup of its root by language, as JSON: the first
// paint that `cargo xtask dist` writes into dist/index.html.
// Usage: node prerender.js <dist folder> <chromium binary> <languages, separated by commas>.
//
// The page's files are served from the folder through request interception, so no server is
// needed. Timers never fire: the form stays as it is before the widget is ready (its button
// says so), and nothing that a timer would start (the `ready` event) happens.

'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const ORIGIN = 'http://prerender.invalid';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

async function main() {
  const [dist, executablePath, languages] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const roots = {};
    for (const language of languages.split(',')) {
      // The browser's language is the visitor's: the page chooses from it, as it will live.
      const context = await browser.newContext({ locale: language });
      roots[language] = await render(await context.newPage(), dist);
      await context.close();
    }
    process.stdout.write(JSON.stringify(roots));
  } finally {
    await browser.close();
  }
}

/** The markup of the widget's root, once `page` has rendered the page in `dist`. */
async function render(page, dist) {
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.route(`${ORIGIN}/**`, (route) => {
    const file = path.join(dist, path.normalize(new URL(route.request().url()).pathname));
    if (!file.startsWith(dist) || !fs.existsSync(file)) return route.fulfill({ status: 404 });
    return route.fulfill({ body: fs.readFileSync(file), contentType: TYPES[path.extname(file)] });
  });
  await page.addInitScript(() => {
    window.setTimeout = () => 0;
  });
  await page.goto(`${ORIGIN}/index.html`);
  const form = '#closient-checkout > div';
  await page.waitForFunction((host) => document.querySelector(host)?.shadowRoot?.querySelector('form'), form, {
    timeout: 30000,
  });
  if (errors.length > 0) throw new Error(`the page failed: ${errors.join('; ')}`);
  return page.evaluate((host) => document.querySelector(host).shadowRoot.querySelector('.cc-root').outerHTML, form);
}

main().catch((error) => {
  process.stderr.write(`prerender: ${error.stack || error}\n`);
  process.exit(1);
});
