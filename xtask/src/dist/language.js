// The hosted page's language, chosen before anything is painted. `cargo xtask dist` puts this
// into the page's <head>, with LANGUAGES filled in (the languages the form is pre-rendered in,
// English first), and a shadow host per language, with its `lang`, into the mount element.
// As the parser adds them, this keeps the host for the mount element's `data-locale` if it
// sets one, else for the first of the visitor's languages that the widget speaks, else
// English; and gives the page that `lang`, which the widget then reads. A MutationObserver's
// callback runs before the next frame is painted, and before the deferred loader.
// Lines that start with `//` are left out of the page.
{
  const LANGUAGES = [/* languages */];
  const spoken = (tags) =>
    tags.map((tag) => tag.trim().split('-')[0].toLowerCase()).find((language) => LANGUAGES.includes(language));
  const observer = new MutationObserver(() => {
    const mount = document.getElementById('closient-checkout');
    if (!mount) return;
    const { locale } = mount.dataset;
    const lang = spoken(locale ? [locale] : navigator.languages) ?? LANGUAGES[0];
    document.documentElement.lang = lang;
    for (const host of [...mount.children]) if (host.lang && host.lang !== lang) host.remove();
  });
  observer.observe(document, { childList: true, subtree: true });
  document.addEventListener('DOMContentLoaded', () => observer.disconnect());
}
