// Tenant tokens end to end: the proxy started with a tenant secret, the mock playing the
// dashboard's backend that mints tokens with the same secret, and a dashboard page (e2e/tenant/)
// that mounts the widget from the npm package with a token. A token that expires while the page
// is open is refused with 401 before any upstream call, the page says so, and a new token through
// `handle.update({ token })` lets the same form go on to a credited payment.

'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { before, describe } = require('node:test');
const { ORGANIZATION, request } = require('./harness');
const { e2eTest, eventually, useStack } = require('./browser');
const { CheckoutPage, HostedPage } = require('./pages');

/** Not a real secret: the proxy and the mock share it, as a proxy and a dashboard would. */
const TENANT_SECRET = 'e2e-tenant-secret-notasecret-0123456789';
const ENV = { CHECKOUT_TENANT_SECRET: TENANT_SECRET, CHECKOUT_TENANT_SECRET_FILE: undefined };
const OTHER_ORGANIZATION = '9fGh3nQrStUvWxYzAbCdEf';

/** An HS256 token signed with the shared secret, as any dashboard backend would mint it. */
function signed(claims) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  const signature = crypto.createHmac('sha256', TENANT_SECRET).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

describe('tenant tokens', () => {
  const fixture = useStack({
    dashboard: true,
    env: ENV,
    // The page fetches its tokens from the mock, on another origin.
    proxyArgs: (mock) => ['--connect-origin', mock.origin],
  });

  before(() => {
    const { site } = fixture.stack;
    fs.cpSync(path.join(__dirname, 'tenant'), path.join(site, 'tenant'), { recursive: true });
  });

  /** A token for `sub` on this proxy; `expiredSecsAgo` makes one that has expired. */
  function token(sub, { expiredSecsAgo } = {}) {
    const now = Math.floor(Date.now() / 1000);
    const exp = expiredSecsAgo === undefined ? now + 900 : now - expiredSecsAgo;
    return signed({ sub, iat: exp - 900, exp, aud: fixture.stack.proxy.origin });
  }

  e2eTest(
    'an expired token: 401 and the page says so; a new one through update() and the payment goes through',
    fixture,
    async ({ page }) => {
      const query = new URLSearchParams({ backend: fixture.stack.mock.origin, organization: ORGANIZATION });
      await page.goto(`${fixture.stack.proxy.origin}/tenant/tenant.html?${query}`);
      const form = new CheckoutPage(page, page.locator('#billing'));
      // Minted by the backend at load: the balance is this organization's to read.
      await form.root.getByText(/Current balance: \$150\.00/).waitFor();

      // The visitor comes back after the token has expired (by more than the 30 s leeway).
      await page.evaluate((expired) => window.tenant.update({ token: expired }), token(ORGANIZATION, { expiredSecsAgo: 120 }));
      await form.fill({ amount: '25' });
      await form.submit.click();
      await form.waitForStatus(/session has expired/i);
      assert.deepEqual(
        (await page.evaluate(() => window.errors)).map(({ code, status }) => ({ code, status })),
        [{ code: 'UNAUTHENTICATED', status: 401 }],
      );
      assert.equal((await fixture.stack.mock.stats()).checkout_requests, 0, 'the 401 reached no upstream');
      assert.match(await form.amount.inputValue(), /^\$?25(\.00)?$/, 'what was typed is kept');

      await page.evaluate(() => window.tenant.renew());
      await form.submit.click();
      await new HostedPage(page).payAndReturn('$25.00', form);
      assert.match(await form.waitForStatus(/credited/, 30000), /\$175\.00/);
      assert.equal((await fixture.stack.mock.stats()).checkout_requests, 1);
    },
  );

  e2eTest('without a valid token for the organization nothing reaches the upstream', fixture, async () => {
    const balance = (organization, authorization) =>
      request(`${fixture.stack.proxy.origin}/api/billing/balance/${organization}`, {
        headers: authorization ? { authorization } : {},
      });
    const missing = await balance(ORGANIZATION);
    assert.equal(missing.status, 401);
    assert.match(missing.headers['www-authenticate'], /^Bearer/);
    assert.equal(JSON.parse(missing.body).error.code, 'UNAUTHENTICATED');
    const expired = await balance(ORGANIZATION, `Bearer ${token(ORGANIZATION, { expiredSecsAgo: 120 })}`);
    assert.equal(expired.status, 401);
    const another = await balance(OTHER_ORGANIZATION, `Bearer ${token(ORGANIZATION)}`);
    assert.equal(another.status, 403);
    assert.equal(JSON.parse(another.body).error.code, 'FORBIDDEN');
    const stats = await fixture.stack.mock.stats();
    assert.equal(stats.checkout_requests + stats.balance_requests, 0);

    // The same organization's token reads its own balance.
    await eventually(async () => (await balance(ORGANIZATION, `Bearer ${token(ORGANIZATION)}`)).status === 200, {
      what: 'its own balance',
    });
  });
});
