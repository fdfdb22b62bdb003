#!/usr/bin/env node
// The kgate bin. `kgate token`, the credential plugin kubectl runs before its requests, goes
// straight to its own small bundle before anything else is loaded, so that it starts about
// as fast as node itself; everything else loads the full CLI.
if (process.argv[2] === 'token') {
  await import('../dist/kgate-token.cjs');
} else {
  const { main } = await import('../src/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
