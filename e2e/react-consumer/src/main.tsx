// A React dashboard as its developers would write it, under StrictMode: the component, the
// bare element in JSX, and mount() in an effect with an AbortSignal. No declaration of its own:
// the package's types are all it needs. Each widget's events go to the list at the bottom.
import { StrictMode, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { mount, type CheckoutOptions, type ErrorCode } from 'closient-checkout';
import 'closient-checkout/element';
import { ClosientCheckout } from 'closient-checkout/react';

const checkoutOrigins = document.documentElement.getAttribute('checkout-origins') ?? '';

/** How often the effect of `<Mounted>` ran: 2 under StrictMode's development build. */
declare global {
  interface Window {
    mountEffects: number;
  }
}
window.mountEffects = 0;

function Mounted({ options, log }: { options: CheckoutOptions; log: (line: string) => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    window.mountEffects += 1;
    const element = ref.current;
    if (!element) return;
    const ac = new AbortController();
    element.addEventListener('closient-checkout:ready', () => log('mounted ready'), {
      signal: ac.signal,
    });
    mount(element, options, { signal: ac.signal });
    return () => ac.abort();
  }, []);
  return <div id="mounted" ref={ref} />;
}

function App() {
  const [lines, setLines] = useState<string[]>([]);
  const log = (line: string) => setLines((before) => [...before, line]);
  const [minCents, setMinCents] = useState(500);
  const [shown, setShown] = useState(true);
  const code: ErrorCode = 'REJECTED';
  return (
    <main>
      <h1>React dashboard</h1>
      {shown && (
        <ClosientCheckout
          className="component"
          style={{ maxWidth: '30rem' }}
          organizationId="7dHk2mPqRsTuVwXyZaBcDe"
          minCents={minCents}
          checkoutOrigins={checkoutOrigins}
          onReady={() => log('component ready')}
          onSubmit={(event) => {
            const cents: number = event.detail.amountCents;
            log(`component submit ${cents}`);
          }}
          onRedirect={(event) => {
            event.preventDefault();
            const url: string = event.detail.url;
            log(`component redirect kept ${url.startsWith('http')}`);
          }}
          onError={(event) => log(`component error ${event.detail.code === code ? code : event.detail.code}`)}
        />
      )}
      <button type="button" onClick={() => setMinCents(1000)}>
        Raise the minimum
      </button>
      <button type="button" onClick={() => setShown(false)}>
        Remove the component
      </button>
      <closient-checkout
        id="element"
        organization-id="9fGh3nQrStUvWxYzAbCdEf"
        min-cents={500}
        checkout-origins={checkoutOrigins}
        {...{ 'onclosient-checkout:ready': () => log('element ready') }}
      />
      <Mounted options={{ organizationId: '3aBc4dEf5gHj6kLm7nPq8r', checkoutOrigins }} log={log} />
      <ol id="events">
        {lines.map((line, index) => (
          <li key={index}>{line}</li>
        ))}
      </ol>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
