// A dashboard in tenant mode: its backend (the mock's /__dashboard/token, on another origin)
// mints a token for the page's organization at every load, the widget sends it to the proxy,
// and `window.tenant.renew()` gets a new one and hands it over with `update`, as a dashboard
// would on `closient-checkout:error` with code UNAUTHENTICATED.
// Query: `backend` (the mock's origin) and `organization`.

import { mount } from '../npm/index.js';

const params = new URLSearchParams(location.search);
const backend = params.get('backend');
const organizationId = params.get('organization');

async function freshToken() {
  const answer = await fetch(
    `${backend}/__dashboard/token?organization=${encodeURIComponent(organizationId)}`,
  );
  if (!answer.ok) throw new Error(`the token endpoint answered ${answer.status}`);
  return (await answer.json()).token;
}

window.errors = [];
document.addEventListener('closient-checkout:error', (event) => window.errors.push(event.detail));

const handle = await mount(document.getElementById('billing'), {
  organizationId,
  token: await freshToken(),
  // The mock's hosted page stands in for Stripe's.
  checkoutOrigins: ['https://checkout.stripe.com', backend],
});
window.tenant = {
  update: (options) => handle.update(options),
  renew: async () => handle.update({ token: await freshToken() }),
};
