// The test host pages' script: the package's element (in the page's HTML) and a widget through
// mount(). Every redirect is cancelled, so the page stays where it is. With `?bare` the package
// is not loaded at all, to compare the page's own styles with and without the widget. With
// `?reset` an aggressive reset follows the page's own styles: none of it may reach the widget.

const REDIRECT = 'closient-checkout:redirect';
document.addEventListener(REDIRECT, (event) => event.preventDefault());

const params = new URLSearchParams(location.search);
if (params.has('reset')) {
  const reset = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: './reset.css' });
  const loaded = new Promise((resolve) => reset.addEventListener('load', resolve));
  document.head.append(reset);
  await loaded;
}
if (!params.has('bare')) {
  const [{ mount }] = await Promise.all([import('../npm/index.js'), import('../npm/element.js')]);
  const element = document.getElementById('element-widget');
  await mount(document.getElementById('mounted-widget'), {
    organizationId: '9fGh3nQrStUvWxYzAbCdEf',
    checkoutOrigins: element.getAttribute('checkout-origins'),
  });
}
