/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { gzipSync, constants } from 'node:zlib';

/**
 * Writes `name.gz` next to every text asset worth compressing, so that the binary can serve it
 * pre-compressed (`Content-Encoding: gzip`) without compressing at request time.
 */
function precompress(): Plugin {
  return {
    name: 'nexus-precompress',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const [name, out] of Object.entries(bundle)) {
        if (!/\.(js|css|html|svg|json)$/.test(name)) continue;
        const source = out.type === 'chunk' ? out.code : out.source;
        const bytes = typeof source === 'string' ? Buffer.from(source) : Buffer.from(source);
        if (bytes.length < 1024) continue;
        const gz = gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION });
        this.emitFile({ type: 'asset', fileName: `${name}.gz`, source: gz });
      }
    },
  };
}

// The build lands in dist/ and is embedded into the `nexus` binary by crates/nexus-web.
// Files under dist/assets/ carry a content hash and are served as immutable.
export default defineConfig({
  plugins: [react(), precompress()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2020',
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run dev` against a local `nexus serve`.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
