#!/usr/bin/env node
// The kgate bin. `kgate token` and `kgate oidc-login get-token`, the credential plugins
// kubectl runs before its requests, go straight to their own small bundles before anything
// else is loaded, so that they start about as fast as node itself; everything else loads
// the full CLI.
if (process.argv[2] === 'token') {
  await import('../dist/kgate-token.cjs');
} else if (process.argv[2] === 'oidc-login' && process.argv[3] === 'get-token') {
  await import('../dist/kgate-oidc-login.cjs');
} else {
  const { main } = await import('../src/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
