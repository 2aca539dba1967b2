#!/usr/bin/env node
/**
 * Builds the page of `trailwatch ui` (ui/) into dist/ui/: index.html, app.js and app.css (esbuild bundles
 * Preact, vis-timeline and the page's own code; nothing is fetched from a CDN at run time), the favicon,
 * and app.js.LEGAL.txt (the bundled libraries' licence comments). `--dev`: not minified, with source maps.
 */
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'ui');
const out = join(root, 'dist', 'ui');
const dev = process.argv.includes('--dev');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: { app: join(source, 'main.tsx') },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome109', 'firefox115', 'safari16'],
  minify: !dev,
  sourcemap: dev ? 'linked' : false,
  legalComments: dev ? 'inline' : 'linked',
  tsconfig: join(source, 'tsconfig.json'),
  jsx: 'automatic',
  jsxImportSource: 'preact',
  define: { 'process.env.NODE_ENV': dev ? '"development"' : '"production"' },
  logLevel: 'warning',
});
for (const file of ['index.html', 'favicon.svg']) await copyFile(join(source, file), join(out, file));

for (const file of ['index.html', 'app.js', 'app.css']) {
  const { size } = await stat(join(out, file));
  console.log(`${relative(root, join(out, file))}  ${(size / 1024).toFixed(1)} KiB`);
}
