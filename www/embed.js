// The example dashboard's script: the two ways to embed the widget, and a log of every event
// they dispatch. The package is served next to this page, under ./npm/.

import { mount } from './npm/index.js';
import './npm/element.js';

const EVENTS = ['ready', 'invalid', 'submit', 'redirect', 'error', 'credited'].map(
  (name) => `closient-checkout:${name}`,
);
/** The log survives the trip to checkout and back, for this tab only. */
const STORAGE_KEY = 'closient-checkout-example:log';

const log = document.getElementById('event-log');

function saved() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? '[]');
  } catch {
    return [];
  }
}

function show(entry) {
  const item = document.createElement('li');
  item.dataset.widget = entry.widget;
  item.dataset.event = entry.event;
  const time = document.createElement('time');
  time.textContent = entry.time;
  const widget = document.createElement('span');
  widget.className = 'widget';
  widget.textContent = entry.widget;
  const name = document.createElement('strong');
  name.textContent = entry.event;
  const detail = document.createElement('code');
  detail.className = 'detail';
  detail.textContent = entry.detail;
  item.append(time, ' ', widget, ' ', name, ' ', detail);
  if (entry.note) {
    const note = document.createElement('em');
    note.textContent = ` ${entry.note}`;
    item.append(note);
  }
  log.append(item);
}

function record(entry) {
  const entries = [...saved(), { time: new Date().toISOString().slice(11, 23), ...entry }];
  try {
    // Written before the widget leaves the page: listeners run before it navigates.
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(entries.slice(-200)));
  } catch {
    // Storage full or unavailable: the entry is still shown.
  }
  show(entries[entries.length - 1]);
}

for (const entry of saved()) show(entry);
record({ widget: 'page', event: 'loaded', detail: location.search || '(no query)' });

// The events bubble and are composed, so one listener on the document hears every widget.
for (const name of EVENTS) {
  document.addEventListener(name, (event) => {
    record({
      widget: event.target.id || event.target.localName,
      event: name,
      detail: JSON.stringify(event.detail),
      note: event.defaultPrevented ? '(cancelled by the page)' : '',
    });
  });
}

document.getElementById('clear-log').addEventListener('click', () => {
  sessionStorage.removeItem(STORAGE_KEY);
  log.replaceChildren();
});

// The second widget, through mount(), with the same checkout allowlist as the element.
const host = document.getElementById('agency-billing');
const checkoutOrigins = document.getElementById('team-billing').getAttribute('checkout-origins');

let cancelling = false;
const toggle = document.getElementById('cancel-redirects');
const state = document.getElementById('cancel-state');
toggle.addEventListener('click', () => {
  cancelling = !cancelling;
  toggle.setAttribute('aria-pressed', String(cancelling));
  state.textContent = cancelling
    ? 'Redirects are cancelled: the page stays, and could open the checkout URL itself.'
    : 'Redirects go ahead.';
});
host.addEventListener('closient-checkout:redirect', (event) => {
  if (cancelling) event.preventDefault();
});

mount(host, {
  organizationId: '9fGh3nQrStUvWxYzAbCdEf',
  presets: [5000, 10000, 25000],
  checkoutOrigins,
}).catch((error) => {
  record({ widget: host.id, event: 'mount failed', detail: String(error) });
});
