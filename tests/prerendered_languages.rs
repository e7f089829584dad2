//! The hosted page carries its form pre-rendered in each language the widget speaks
//! (`LANGUAGES` in `xtask/src/dist/prerender.rs`), and its head script keeps the visitor's. A
//! language the widget speaks but the page lacks would paint English first and then switch;
//! one the page has but the widget does not would never be chosen by the widget.
#![cfg(not(target_arch = "wasm32"))]

use closient_checkout::language::Language;

/// The tags between the quotes of `pub const LANGUAGES: [&str; N] = [...];`.
fn prerendered() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/xtask/src/dist/prerender.rs");
    let source =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let start = source
        .find("pub const LANGUAGES")
        .expect("LANGUAGES in prerender.rs");
    let list = &source[start..];
    let list = &list[list.find("= [").expect("a list") + 3..list.find("];").expect("its end")];
    list.split(',')
        .map(|tag| tag.trim().trim_matches('"').to_owned())
        .filter(|tag| !tag.is_empty())
        .collect()
}

#[test]
fn the_page_is_pre_rendered_in_exactly_the_languages_the_widget_speaks() {
    let tags = prerendered();
    assert_eq!(
        Language::for_locale(&tags[0]),
        Language::English,
        "English first: the language of every other locale"
    );
    let spoken = [Language::English, Language::German];
    for language in spoken {
        // A language added to the widget fails to compile here until it is listed above.
        match language {
            Language::English | Language::German => {}
        }
        let found = tags
            .iter()
            .filter(|tag| Language::for_locale(tag) == language);
        assert_eq!(found.count(), 1, "{language:?} once among {tags:?}");
    }
    assert_eq!(
        tags.len(),
        2,
        "no tag beyond the widget's languages: {tags:?}"
    );
}
