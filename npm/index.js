// The package's entry: `mount(element, options)` renders a Closient Checkout widget into any
// element. The widget is WebAssembly; this file loads it once, however many widgets mount.
// It defines no global, and nothing here runs before `mount` or `preload` is called, so the
// module can be imported on a server (no browser global is touched at import).

import init, { mount as mountInWasm } from './closient_checkout.js';
import { paintFirst, unpaint } from './first-paint.js';

/** The one instantiation of the wasm, shared by every widget and by the custom element. */
let loading;

/**
 * Starts loading the widget's code now, and resolves when it is ready. `mount` and the
 * `<closient-checkout>` element call it themselves; call it early to save the wait later.
 * A failed load (a network error) is forgotten, so the next call tries again.
 * @returns {Promise<void>}
 */
export function preload() {
  if (!loading) {
    // Next to this file, wherever it is served from; bundlers (Vite, webpack, Rollup) see
    // this pattern and copy the wasm with the JS.
    const wasm = new URL('./closient_checkout_bg.wasm', import.meta.url);
    loading = init({ module_or_path: wasm }).then(
      () => undefined,
      (error) => {
        loading = undefined;
        throw error;
      },
    );
  }
  return loading;
}

/** What `mount` gives back once its signal was aborted: the widget is gone, or never came. */
const UNMOUNTED = Object.freeze({ unmount() {}, update() {} });

/**
 * Renders the widget into `element` (any element: the widget adds one `<div>` child with its
 * own shadow root). An empty element shows the form at once, while the wasm loads. Rejects with
 * a `TypeError` naming the option, for an unknown option or a value of the wrong kind, and
 * then leaves nothing behind. Aborting `signal` unmounts the widget, before or after the promise
 * resolves: a mount aborted before the wasm arrived renders nothing, dispatches nothing and
 * sends nothing, and resolves to a handle that does nothing (a React effect's cleanup need not
 * wait for it, nor catch anything).
 * The options and the handle are described in index.d.ts.
 */
export async function mount(element, options = {}, { signal } = {}) {
  if (signal?.aborted) return UNMOUNTED;
  paintFirst(element, options?.theme);
  // Until the widget takes it over, an abort takes the first paint away at once, so that the
  // next mount into the element (StrictMode's second effect) paints its own.
  const unpaintOnAbort = () => unpaint(element);
  signal?.addEventListener('abort', unpaintOnAbort, { once: true });
  try {
    await preload();
  } catch (error) {
    signal?.removeEventListener('abort', unpaintOnAbort);
    unpaint(element);
    throw error;
  }
  signal?.removeEventListener('abort', unpaintOnAbort);
  if (signal?.aborted) return UNMOUNTED;
  let handle;
  try {
    handle = mountInWasm(element, options);
  } catch (error) {
    unpaint(element);
    throw error;
  }
  signal?.addEventListener('abort', () => handle.unmount(), { once: true });
  return handle;
}
