#!/usr/bin/env node
/**
 * The `lake` executable (package.json `bin`). The AWS SDK warns on every start under Node 20 that
 * its support ends; the warning says nothing to a lake user, so it is turned off before the SDK loads.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// A reader that stops early (`lake query ... | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const { runCli } = await import('./program.js');
const code = await runCli(process.argv.slice(2));
// Output is flushed first; then exit, so that no idle connection or worker keeps the process alive.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
process.exit(code);
