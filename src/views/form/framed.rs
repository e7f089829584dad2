//! The way on when the browser would not leave a frame by itself: links the person follows,
//! to the top window or to a new tab (Stripe Checkout does not render inside a frame).

use crate::views::text::Text;
use leptos::prelude::*;

pub fn continue_links(url: String, text: Text) -> impl IntoView {
    view! {
        <p class="cc-continue">
            <a href=url.clone() target="_top">{text.get("framed.continue")}</a>
            " " {text.get("framed.or")} " "
            <a href=url target="_blank" rel="noopener">{text.get("framed.new_tab")}</a>
        </p>
    }
}
