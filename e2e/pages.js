// Page objects: the widget's page and the mock's hosted checkout page, found by role and label
// the way a person finds them.

'use strict';

const assert = require('node:assert/strict');
const { eventually } = require('./browser');

/** Every text the submit button shows, whatever state the form is in. */
const SUBMIT_NAME =
  /^(Add \S+ to balance|Add funds|Try again: add \S+ to balance|Connecting…|Trying again…|Retry now \(\d+ seconds?\)|Redirecting to secure checkout…)$/;

class CheckoutPage {
  /**
   * `root` is the page, or a frame locator when the widget is framed; `page` is the top page
   * (for URLs and the keyboard).
   */
  constructor(page, root = page) {
    this.page = page;
    this.root = root;
    this.organization = root.getByLabel('Organization ID');
    this.amount = root.getByLabel('Custom amount (USD)');
    this.submit = root.getByRole('button', { name: SUBMIT_NAME });
    this.status = root.getByRole('status');
  }

  async open(url) {
    await this.page.goto(url);
    await this.submit.waitFor();
  }

  preset(label) {
    return this.root.getByRole('button', { name: label, exact: true });
  }

  heading(name) {
    return this.root.getByRole('heading', { name });
  }

  /** Types like a person: the organization, then the amount. */
  async fill({ organization, amount }) {
    if (organization !== undefined) await this.organization.fill(organization);
    if (amount !== undefined) await this.amount.fill(amount);
  }

  /** The button's current text. */
  async submitText() {
    return (await this.submit.innerText()).trim();
  }

  /** A status region saying `text` (a RegExp), once it does. */
  async waitForStatus(text, timeout = 10000) {
    const region = this.status.filter({ hasText: text }).first();
    await region.waitFor({ timeout });
    return (await region.innerText()).trim();
  }

  /** All status regions' text, joined. */
  async statusText() {
    return (await this.status.allInnerTexts()).join(' | ');
  }

  /** Waits until a fresh form can be used: with or without an amount chosen, not busy. */
  async waitUntilUsable(timeout = 10000) {
    await this.waitUntilReady(/^(Add funds|Add \S+ to balance)$/, timeout);
  }

  /** Waits until the form can be used: the button says what it adds and is not busy. */
  async waitUntilReady(expectedLabel = /^(Try again: add|Add) \S+ to balance$/, timeout = 10000) {
    await eventually(
      async () => {
        const text = await this.submitText();
        const busy = await this.submit.getAttribute('aria-disabled');
        assert.match(text, expectedLabel, 'submit button text');
        assert.notEqual(busy, 'true', 'submit button is aria-disabled');
        return true;
      },
      { timeout, what: 'a usable submit button' },
    );
  }
}

class HostedPage {
  constructor(page) {
    this.page = page;
    this.title = page.getByRole('heading', { name: 'Test checkout' });
    this.pay = page.getByRole('button', { name: /^Pay \$/ });
    this.cancel = page.getByRole('button', { name: 'Cancel', exact: true });
  }

  /** Waits until the browser (the top window) shows the mock's hosted page. */
  async waitUntilShown(timeout = 10000) {
    await this.page.waitForURL(/\/pay\/cs_test_[A-Za-z0-9]+/, { timeout, waitUntil: 'commit' });
    await this.title.waitFor({ timeout });
  }

  async sessionId() {
    return (await this.page.locator('code[data-session-id]').innerText()).trim();
  }

  async amount() {
    return (await this.page.locator('dd[data-amount]').innerText()).trim();
  }

  /** Pays `amount` once the page shows it, and waits for the return to the widget's success view. */
  async payAndReturn(amount, form) {
    await this.waitUntilShown();
    assert.equal(await this.amount(), amount);
    await this.pay.click();
    await this.page.waitForURL(/[?&]checkout=success&session_id=cs_test_/);
    await form.heading('Payment received').waitFor();
  }
}

module.exports = { CheckoutPage, HostedPage };
