#!/usr/bin/env node
import { main } from './cli/program';

// The AWS SDK warns on every run under Node.js 20 that future versions will need Node.js 22; the CLI
// supports Node.js 20, so the warning would only be noise on stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  interactive: Boolean(process.stderr.isTTY),
  env: process.env,
  cwd: process.cwd(),
  now: Date.now,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`trailwatch: unexpected error: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
