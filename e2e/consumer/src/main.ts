// A dashboard's entry, as its developers would write it: the element from the package, and a
// typed listener for each event it shows.
import 'closient-checkout/element';

const billing = document.querySelector('closient-checkout');
const list = document.getElementById('events');

function show(name: string, detail: unknown): void {
  const item = document.createElement('li');
  item.textContent = `${name} ${JSON.stringify(detail)}`;
  list?.append(item);
}

billing?.addEventListener('closient-checkout:ready', () => show('ready', {}));
billing?.addEventListener('closient-checkout:submit', (event) => {
  const cents: number = event.detail.amountCents;
  show('submit', { cents, organization: event.detail.organizationId });
});
billing?.addEventListener('closient-checkout:redirect', (event) => {
  const url: string = event.detail.url;
  show('redirect', { url });
});
billing?.addEventListener('closient-checkout:error', (event) => {
  show('error', { code: event.detail.code, retryable: event.detail.retryable });
});
