// Not loaded by the page: `tsc --noEmit` checks that the package's declarations type what a
// dashboard writes, and refuse what it must not (each `@ts-expect-error` fails the check if
// the line below it type-checks).
import { mount, preload, type CheckoutHandle, type CheckoutOptions } from 'closient-checkout';
import type { ClosientCheckoutElement, CreditedDetail } from 'closient-checkout/element';

export async function embed(host: HTMLElement): Promise<CheckoutHandle> {
  await preload();
  const options: CheckoutOptions = {
    organizationId: '7dHk2mPqRsTuVwXyZaBcDe',
    presets: [2500, 5000],
    minCents: 1000,
    checkoutOrigins: 'https://checkout.stripe.com',
    currency: 'USD',
    messages: { 'form.title': 'Top up' },
  };
  const handle = await mount(host, options);
  handle.update({ presets: '1000 2000', locale: 'de' });

  // The event map augmentation: each event's detail is typed on any element...
  host.addEventListener('closient-checkout:redirect', (event) => {
    event.preventDefault();
    const url: string = event.detail.url;
    window.open(url, '_blank');
  });
  host.addEventListener('closient-checkout:invalid', (event) => {
    const field: 'organizationId' | 'amount' = event.detail.field;
    return field;
  });
  // ...and on the document and the window, where the events bubble to.
  document.addEventListener('closient-checkout:credited', (event) => {
    const detail: CreditedDetail = event.detail;
    return detail.balanceCents - detail.amountCents;
  });
  window.addEventListener('closient-checkout:error', (event) => event.detail.status);

  // @ts-expect-error: the redirect's detail has no amount
  host.addEventListener('closient-checkout:redirect', (event) => event.detail.amountCents);
  // @ts-expect-error: an unknown option
  await mount(host, { organisationId: 'x' });
  // @ts-expect-error: cents are numbers
  await mount(host, { minCents: '1000' });
  // @ts-expect-error: only USD
  await mount(host, { currency: 'EUR' });
  // @ts-expect-error: the handle has no such method
  handle.destroy();
  return handle;
}

export function element(): ClosientCheckoutElement | null {
  // The tag name map: querySelector and createElement know the element.
  const found: ClosientCheckoutElement | null = document.querySelector('closient-checkout');
  const made: ClosientCheckoutElement = document.createElement('closient-checkout');
  made.setAttribute('organization-id', '7dHk2mPqRsTuVwXyZaBcDe');
  made.addEventListener('closient-checkout:submit', (event) => event.detail.amountCents.toFixed(0));
  return found;
}
