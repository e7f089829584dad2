// Misuses that the package's types must refuse, each marked: a declaration that lets one
// through fails `tsc` as surely as one that rejects correct code. Type-checked, not bundled.
import { ClosientCheckout } from 'closient-checkout/react';

export const misuses = [
  // @ts-expect-error: an option the widget does not have
  <ClosientCheckout organisationId="7dHk2mPqRsTuVwXyZaBcDe" />,
  // @ts-expect-error: cents are a number
  <ClosientCheckout minCents="500" />,
  // @ts-expect-error: the submit detail has no `amount`
  <ClosientCheckout onSubmit={(event) => event.detail.amount} />,
  // @ts-expect-error: the element's attributes are typed (a hyphenated name it does not declare
  // is let through, as for any element)
  <closient-checkout organization-id={42} />,
  // @ts-expect-error: the element's event props are typed too
  <closient-checkout {...{ 'onclosient-checkout:submit': (event: CustomEvent<{ url: string }>) => event.detail.url.length }} />,
];
