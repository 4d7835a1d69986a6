#!/usr/bin/env node
// Entry point installed as `certpilot-relay`; the compiled CLI lives in dist/ after `npm run build`.
import('../dist/cli.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('/dist/')) {
    process.stderr.write('certpilot-relay is not built yet: run `npm run build` in the repository root.\n');
    process.exitCode = 2;
    return;
  }
  throw error;
});
