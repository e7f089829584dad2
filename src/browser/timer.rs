//! Browser timers: a timeout that is cleared when dropped, and a wait that a click can end early.

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};
use wasm_bindgen::{JsCast, prelude::Closure};

/// Runs `f` after `ms` unless dropped first.
#[derive(Debug)]
pub struct Timeout {
    handle: i32,
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    pub fn start(ms: u32, f: impl FnOnce() + 'static) -> Option<Self> {
        let mut f = Some(f);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = f.take() {
                f();
            }
        });
        let handle = web_sys::window()?
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                callback.as_ref().unchecked_ref(),
                i32::try_from(ms).unwrap_or(i32::MAX),
            )
            .ok()?;
        Some(Self {
            handle,
            _callback: callback,
        })
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            window.clear_timeout_with_handle(self.handle);
        }
    }
}

/// A wait of `ms` that `Wake::wake` ends at once; answers whether it was ended early.
pub async fn wait(ms: u32, wake: &Wake) -> bool {
    let mut resolve_slot = None;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| resolve_slot = Some(resolve));
    let Some(resolve) = resolve_slot else {
        return false;
    };
    let on_time = resolve.clone();
    let _timer = Timeout::start(ms, move || {
        let _ = on_time.call0(&wasm_bindgen::JsValue::NULL);
    });
    wake.woken.set(false);
    *wake.resolve.borrow_mut() = Some(resolve);
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    wake.resolve.borrow_mut().take();
    wake.woken.get()
}

/// Ends the current `wait`, if any.
#[derive(Debug, Clone, Default)]
pub struct Wake {
    resolve: Rc<RefCell<Option<js_sys::Function>>>,
    woken: Rc<Cell<bool>>,
}

impl Wake {
    /// Returns whether a wait was running.
    pub fn wake(&self) -> bool {
        match self.resolve.borrow_mut().take() {
            Some(resolve) => {
                self.woken.set(true);
                resolve.call0(&wasm_bindgen::JsValue::NULL).is_ok()
            }
            None => false,
        }
    }
}
