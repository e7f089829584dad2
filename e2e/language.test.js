// The hosted page in the visitor's language: with no `data-locale`, the page takes the first of
// the browser's languages that the widget speaks and gives <html lang> that language, from the
// first paint on; an operator's `data-locale` on the mount element fixes it whatever the
// browser asks.

'use strict';

const assert = require('node:assert/strict');
const { describe } = require('node:test');
const { e2eTest, eventually, useStack } = require('./browser');

/** The words each language shows, as a person finds them. */
const GERMAN = { heading: 'Anzeigenguthaben aufladen', organization: 'Organisations-ID', amount: 'Eigener Betrag (USD)' };
const ENGLISH = { heading: 'Add funds to your ad balance', organization: 'Organization ID', amount: 'Custom amount (USD)' };

/**
 * Opens the hosted page with every redirect cancelled and every submit's detail kept; with
 * `languages`, the browser asks for those; with `locale`, the mount element of the page as served says `data-locale="<locale>"`, as an
 * operator's copy of `dist/index.html` would.
 */
async function open(page, url, { locale, languages } = {}) {
  if (languages) {
    await page.addInitScript((list) => Object.defineProperty(navigator, 'languages', { get: () => list }), languages);
  }
  await page.addInitScript(() => {
    window.__submitted = [];
    document.addEventListener('closient-checkout:redirect', (event) => event.preventDefault());
    document.addEventListener('closient-checkout:submit', (event) => window.__submitted.push(event.detail));
  });
  if (locale) {
    await page.route(url, async (route) => {
      const response = await route.fetch();
      const html = await response.text();
      const mount = '<div id="closient-checkout"';
      assert.ok(html.includes(mount), 'the page has its mount element');
      // The same headers (the policy among them), but for the encoding of the original body.
      const headers = response.headers();
      delete headers['content-encoding'];
      delete headers['content-length'];
      const body = html.replace(mount, `${mount} data-locale="${locale}"`);
      await route.fulfill({ status: response.status(), headers, body });
    });
  }
  await page.goto(url);
}

/** Fails unless the page shows `words` and its <html lang> is `lang`. */
async function assertLanguage(page, words, lang) {
  await page.getByRole('heading', { name: words.heading }).waitFor();
  await page.getByLabel(words.organization).waitFor();
  await page.getByLabel(words.amount).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
  assert.equal(await page.locator('#closient-checkout > [lang]').count(), 1, 'one form is left');
}

describe("the hosted page's language", () => {
  const fixture = useStack();

  e2eTest('a German browser gets German words, and "25,50" is 2,550 cents', fixture, async ({ page }) => {
    await open(page, fixture.stack.url);
    await assertLanguage(page, GERMAN, 'de');
    await page.getByLabel(GERMAN.organization).fill('7dHk2mPqRsTuVwXyZaBcDe');
    await page.getByLabel(GERMAN.amount).fill('25,50');
    const submit = page.getByRole('button', { name: /aufladen$/ });
    await eventually(async () => /^25,50\s\$ aufladen$/.test((await submit.innerText()).trim()), {
      what: 'the button names 25,50 $',
    });
    await submit.click();
    const [submitted] = await eventually(() => page.evaluate(() => window.__submitted.length > 0 && window.__submitted));
    assert.equal(submitted.amountCents, 2550);
  }, { context: { locale: 'de-DE' } });

  e2eTest('an English browser gets English words', fixture, async ({ page }) => {
    await open(page, fixture.stack.url);
    await assertLanguage(page, ENGLISH, 'en');
  }, { context: { locale: 'en-GB' } });

  e2eTest('a browser asking for French, then Austrian German, gets German', fixture, async ({ page }) => {
    await open(page, fixture.stack.url, { languages: ['fr-FR', 'de-AT'] });
    await assertLanguage(page, GERMAN, 'de');
  }, { context: { locale: 'fr-FR' } });

  e2eTest('data-locale="en" gives English whatever the browser asks', fixture, async ({ page }) => {
    await open(page, fixture.stack.url, { locale: 'en' });
    await assertLanguage(page, ENGLISH, 'en');
  }, { context: { locale: 'de-DE' } });
});
