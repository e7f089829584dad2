//! The Trunk entry: mounts the widget into `#closient-checkout`, where it stays for the page's
//! life.

fn main() {
    closient_checkout::mount_by_id("closient-checkout");
}
