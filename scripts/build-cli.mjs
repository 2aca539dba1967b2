// Bundles the CLI into one file, dist/bin/cli/entry.js (in place of tsc's output of bin/cli/entry.ts),
// which dist/bin/trailwatch.js runs from its cache of compiled code. Start-up is most of what a query
// on the local store costs: loading a hundred small files (resolving, reading, compiling each) took
// longer than the lookup; one file, its compiled code kept between runs, does not
// (docs/performance.md "Start-up"). Run by `npm run build`, after tsc.
//
// - Every module is in the bundle (one copy of each class: `instanceof` holds); those a command loads
//   in its action (`await import(...)`) are still initialised only then. npm packages stay outside
//   (loaded from node_modules when used), but commander, which every run uses, is inside.
// - Each module keeps the `__dirname`/`__filename` of its own file in dist/ (as under tsc), so that
//   paths built from them (the store's worker thread, package.json, served files) are the same.
// - The Node.js modules in LAZY_BUILTINS are loaded when first used, not when the bundle starts:
//   commander requires child_process for subcommands run as programs (trailwatch has none), the rules
//   need crypto and net only to judge events, the store's thread worker_threads; loading them took
//   about 6 ms of each run.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const ENTRY = join(ROOT, 'bin', 'cli', 'entry.ts');
const OUT = join(ROOT, 'dist', 'bin', 'cli', 'entry.js');
const LAZY_BUILTINS = ['child_process', 'crypto', 'net', 'worker_threads'];
const BUNDLED_PACKAGES = new Set(['commander']);

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const external = Object.keys(pkg.dependencies)
  .filter((name) => !BUNDLED_PACKAGES.has(name))
  .flatMap((name) => [name, `${name}/*`]);

/**
 * `__dirname` and `__filename` of each source file as tsc's output of it has them: module-level
 * constants (esbuild renames them apart, since the bundle's own `__dirname` is used too, in BUNDLE_DIR).
 */
const ownPaths = {
  name: 'own-paths',
  setup(b) {
    b.onResolve({ filter: /^trailwatch:bundle-dir$/ }, (args) => ({
      path: args.path,
      namespace: 'bundle-dir',
    }));
    b.onLoad({ filter: /.*/, namespace: 'bundle-dir' }, () => ({
      contents: 'export const bundleDir = __dirname;',
      loader: 'js',
    }));
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(source)) return undefined;
      const dir = relative(dirname(OUT), join(ROOT, 'dist', relative(ROOT, dirname(args.path))));
      const file = `${basename(args.path, '.ts')}.js`;
      const own = [
        "import { bundleDir as __trailwatchBundleDir } from 'trailwatch:bundle-dir';",
        `const __dirname = require('node:path').join(__trailwatchBundleDir, ${JSON.stringify(dir)});`,
        `const __filename = require('node:path').join(__dirname, ${JSON.stringify(file)});`,
      ];
      return { contents: `${own.join('')}${source}`, loader: 'ts' };
    });
  },
};

/** `node:<name>` of LAZY_BUILTINS: an object that loads the module on its first use. */
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^node:(${LAZY_BUILTINS.join('|')})$`);
    b.onResolve({ filter }, (args) =>
      args.namespace === 'lazy-builtin'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'lazy-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      // the names, known without loading it: esbuild's interop lists them when the module is imported
      const names = Object.keys(require(args.path));
      const contents = `
const names = ${JSON.stringify(names)};
let loaded;
const load = () => (loaded ??= require(${JSON.stringify(args.path)}));
module.exports = new Proxy({}, {
  get: (_, name) => (name === '__esModule' ? undefined : load()[name]),
  has: (_, name) => names.includes(name) || name in load(),
  ownKeys: () => names,
  getOwnPropertyDescriptor: (_, name) =>
    names.includes(name) ? { configurable: true, enumerable: true, writable: false, value: undefined } : undefined,
});`;
      return { contents, loader: 'js' };
    });
  },
};

await build({
  entryPoints: [ENTRY],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  external,
  // smaller to read and to check against its cache; names are kept (stack traces, error names), and
  // the source map gives the TypeScript lines: node --enable-source-maps dist/bin/trailwatch.js …
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  sourcesContent: false,
  // non-ASCII characters escaped (esbuild's default, said here because bin/trailwatch.ts relies on it)
  charset: 'ascii',
  plugins: [ownPaths, lazyBuiltins],
  logLevel: 'warning',
});

// bin/trailwatch.ts reads the bundle as Latin-1 (no UTF-8 decoding): it must be ASCII
const bundle = readFileSync(OUT);
const at = bundle.findIndex((byte) => byte > 0x7f);
if (at >= 0) throw new Error(`${OUT}: not ASCII at byte ${at}`);
