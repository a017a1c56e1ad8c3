/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { contentSecurityPolicy, REFERRER_POLICY } from './src/config/csp.ts';

const apiTarget = process.env.API_PROXY_TARGET ?? 'http://127.0.0.1:8000';
// The identity provider public/config.js names (the dev/test realm), under both loopback names.
const idpOrigins = (process.env.DEV_OIDC_ORIGINS ?? 'http://localhost:8080 http://127.0.0.1:8080').split(/\s+/).filter(Boolean);
const securityHeaders = (dev: boolean) => ({
  'Content-Security-Policy': contentSecurityPolicy({ connect: idpOrigins, frame: idpOrigins, dev }),
  'Referrer-Policy': REFERRER_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
});

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: { '/api': apiTarget },
    headers: securityHeaders(true),
  },
  // `npm run preview` serves the build under the production policy.
  preview: { headers: securityHeaders(false) },
  build: {
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 400,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 20 },
            // The chart library is only for the dashboard: a chunk of its own, loaded with it.
            { name: 'charts', test: /node_modules[\\/](chart\.js|@kurkle)[\\/]/, priority: 30 },
            // Form dialogs (react-hook-form, its resolvers, zod's full API) open from admin pages:
            // their own chunk, loaded with them; the start-up check of config.js uses zod/mini.
            { name: 'forms', test: /node_modules[\\/](react-hook-form|@hookform[\\/]resolvers|zod[\\/]v4[\\/]classic)[\\/]/, priority: 25, includeDependenciesRecursively: false },
            { name: 'vendor', test: /node_modules[\\/]/, priority: 10 },
          ],
        },
      },
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/testing/setup-tests.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    // The machine is shared: interactive tests get room beyond the 5 s default.
    testTimeout: 30_000,
    css: false,
  },
});
