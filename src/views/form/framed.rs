//! The way on when the browser would not leave a frame by itself: links the person follows,
//! to the top window or to a new tab (Stripe Checkout does not render inside a frame).

use leptos::prelude::*;

pub fn continue_links(url: String) -> impl IntoView {
    view! {
        <p class="cc-continue">
            <a href=url.clone() target="_top">"Continue to secure checkout"</a>
            " or "
            <a href=url target="_blank" rel="noopener">"open it in a new tab"</a>
        </p>
    }
}
