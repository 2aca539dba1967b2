#!/usr/bin/env node
import { processIo } from './cli/io';
import { main } from './cli/program';

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
