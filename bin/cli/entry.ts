import { processIo } from './io';
import { main } from './program';

/**
 * The CLI in this process: `main` on the command line, its exit code as the process's. Loaded by
 * bin/trailwatch.ts once the compile cache is on; in dist/ this file is the CLI's bundle
 * (scripts/build-cli.mjs, docs/performance.md "Start-up").
 */

// The AWS SDK warns on every run under Node.js 20 that future versions will need Node.js 22; the CLI
// supports Node.js 20, so the warning would only be noise on stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`trailwatch: unexpected error: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
