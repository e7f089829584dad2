//! Leaving for the hosted checkout page, behind a small interface so tests can observe it.

/// The browser refused to navigate the top-level window (a cross-origin frame whose click
/// activation has expired).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NavigationBlocked;

pub trait Navigator {
    /// Sends the top-level window to `url`, exactly as given.
    fn navigate(&self, url: &str) -> Result<(), NavigationBlocked>;
    /// Whether the page runs inside a frame, where top navigation may be refused silently.
    fn is_framed(&self) -> bool;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserNavigator;

impl Navigator for BrowserNavigator {
    fn navigate(&self, url: &str) -> Result<(), NavigationBlocked> {
        let window = web_sys::window().ok_or(NavigationBlocked)?;
        let target = window.top().ok().flatten().unwrap_or(window);
        target
            .location()
            .set_href(url)
            .map_err(|_| NavigationBlocked)
    }

    fn is_framed(&self) -> bool {
        let Some(window) = web_sys::window() else {
            return false;
        };
        // Comparing the window objects works across origins; reading the top's location would not.
        window
            .top()
            .ok()
            .flatten()
            .is_some_and(|top| !js_sys::Object::is(&top, &window))
    }
}
