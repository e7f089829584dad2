//! Leaving for the hosted checkout page, behind a small interface so tests can observe it.

/// The browser refused to navigate the top-level window (a cross-origin frame whose click
/// activation has expired).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NavigationBlocked;

pub trait Navigator {
    /// Sends the top-level window to `url`, exactly as given.
    fn navigate(&self, url: &str) -> Result<(), NavigationBlocked>;
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
}
