//! The Trunk entry: mounts the widget into `#closient-checkout` and keeps it for the page's life.

fn main() {
    if let Some(handle) = closient_checkout::mount_by_id("closient-checkout") {
        handle.forget();
    }
}
