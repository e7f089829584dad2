// `closient-checkout/react`: `<ClosientCheckout>`, the widget as a React component. It renders
// an empty `<div>` (on a server too) and mounts the widget into it in an effect whose cleanup
// aborts the mount: under StrictMode's mount, unmount and mount again, one widget remains and
// the discarded one never renders. Changed options go to the widget through `update()`, which
// keeps what was typed; handlers are looked up when an event fires, so changing them costs
// nothing.

import { createElement, useEffect, useRef, useState } from 'react';
import { mount } from './index.js';

/** Each handler prop, by the event it hears. */
const HANDLERS = {
  ready: 'onReady',
  invalid: 'onInvalid',
  submit: 'onSubmit',
  redirect: 'onRedirect',
  error: 'onError',
  credited: 'onCredited',
};

/** The props that are not the widget's options. */
const NOT_OPTIONS = new Set(['className', 'style', ...Object.values(HANDLERS)]);

export function ClosientCheckout(props) {
  const host = useRef(null);
  /** The last render's props and options, for handlers and for a mount that resolves late. */
  const latest = useRef(null);
  /** The mounted widget, and the JSON of the options it shows. */
  const widget = useRef({ handle: null, shown: null });
  const [failure, setFailure] = useState(null);
  // A bad option is the component's error, for the nearest error boundary.
  if (failure) throw failure;

  const options = {};
  for (const [name, value] of Object.entries(props)) {
    if (!NOT_OPTIONS.has(name) && value !== undefined) options[name] = value;
  }
  // Options are plain data, so their JSON tells whether they changed.
  const key = JSON.stringify(options);

  const sync = () => {
    const { handle, shown } = widget.current;
    if (!handle || shown === latest.current.key) return;
    handle.update(latest.current.options);
    widget.current.shown = latest.current.key;
  };

  useEffect(() => {
    latest.current = { props, options, key };
    sync();
  });

  useEffect(() => {
    const element = host.current;
    const ac = new AbortController();
    for (const [event, handler] of Object.entries(HANDLERS)) {
      element.addEventListener(
        `closient-checkout:${event}`,
        (e) => latest.current.props[handler]?.(e),
        { signal: ac.signal },
      );
    }
    const { options, key } = latest.current;
    mount(element, options, { signal: ac.signal })
      .then((handle) => {
        if (ac.signal.aborted) return;
        widget.current = { handle, shown: key };
        sync();
      })
      .catch(setFailure);
    return () => {
      ac.abort();
      widget.current = { handle: null, shown: null };
    };
  }, []);

  return createElement('div', { ref: host, className: props.className, style: props.style });
}
