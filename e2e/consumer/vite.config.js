// Vite's dev server pre-bundles dependencies into one file, and the wasm that the package finds
// through `new URL('./closient_checkout_bg.wasm', import.meta.url)` is then not beside it:
// excluded, the package is served as it is. A production build (what the test runs) needs
// nothing: it copies the wasm as an asset.
import { defineConfig } from 'vite';

export default defineConfig({
  optimizeDeps: { exclude: ['closient-checkout'] },
});
