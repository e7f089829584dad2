//! The Trunk entry: mounts the widget into `#closient-checkout`, where it stays for the page's
//! life.

fn main() {
    closient_checkout::mount_by_id("closient-checkout");
}

// Talc in place of the standard dlmalloc: the same job in about 0.5 KB less gzip.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
