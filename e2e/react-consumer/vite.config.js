// A React app as `npm create vite` makes one. Vite 8 needs no `optimizeDeps.exclude` for the
// package's wasm.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
});
