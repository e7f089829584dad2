// The vanilla form's few lines: the widget's checks on the two fields, the same JSON to the
// same proxy route, then the hosted checkout page.
'use strict';

const ORGANIZATION_ID = /^[2-9A-HJ-NP-Za-km-z]{22}$/;
const MIN_CENTS = 500;
const MAX_CENTS = 99999999;

const form = document.getElementById('closient-checkout');
const { organization_id: organization, amount } = form.elements;

/** Whole cents of `$1,234.5`-style text, or null. */
function cents(text) {
  const match = /^\$?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return null;
  return Number(match[1].replaceAll(',', '')) * 100 + Number((match[2] || '').padEnd(2, '0'));
}

function show(field, message) {
  document.getElementById(`${field.id}-error`).textContent = message;
  field.setAttribute('aria-invalid', String(message !== ''));
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = organization.value.trim();
  const amountCents = cents(amount.value);
  show(organization, ORGANIZATION_ID.test(id) ? '' : 'Enter the 22-character organization ID.');
  const inRange = amountCents !== null && amountCents >= MIN_CENTS && amountCents <= MAX_CENTS;
  show(amount, inRange ? '' : 'Enter an amount from $5.00 to $999,999.99.');
  if (!ORGANIZATION_ID.test(id) || !inRange) return;
  const page = location.href.split(/[?#]/)[0];
  const response = await fetch('/api/billing/checkout', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      organization_id: id,
      amount_cents: amountCents,
      success_url: `${page}?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${page}?checkout=cancel&amount_cents=${amountCents}`,
    }),
  });
  const answer = await response.json();
  if (response.ok) location.assign(answer.checkout_url);
  else document.getElementById('status').textContent = answer.error.message;
});

form.querySelector('fieldset').disabled = false;
// The widget's signal that its form is usable, sent the same way, so that the bench times both
// forms' readiness alike.
form.dispatchEvent(new CustomEvent('closient-checkout:ready', { bubbles: true, composed: true }));
