// The theme host page: the page's color-scheme from `?scheme=` (none declared without it), and
// three widgets: one that follows it, one forced light by its attribute, one forced dark
// through mount().

const scheme = new URLSearchParams(location.search).get('scheme');
if (scheme) document.documentElement.style.colorScheme = scheme;

const [{ mount }] = await Promise.all([import('../npm/index.js'), import('../npm/element.js')]);
await mount(document.getElementById('dark-widget'), { theme: 'dark' });
