// The test host pages' script: the package's element (in the page's HTML) and a widget through
// mount(). Every redirect is cancelled, so the page stays where it is. With `?bare` the package
// is not loaded at all, to compare the page's own styles with and without the widget.

const REDIRECT = 'closient-checkout:redirect';
document.addEventListener(REDIRECT, (event) => event.preventDefault());

if (!new URLSearchParams(location.search).has('bare')) {
  const [{ mount }] = await Promise.all([import('../npm/index.js'), import('../npm/element.js')]);
  const element = document.getElementById('element-widget');
  await mount(document.getElementById('mounted-widget'), {
    organizationId: '9fGh3nQrStUvWxYzAbCdEf',
    checkoutOrigins: element.getAttribute('checkout-origins'),
  });
}
