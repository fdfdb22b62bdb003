#!/usr/bin/env node
// kgate-agent: see packages/agent/src/main.ts.
import { main } from '../src/main.ts';

const stopSignal = new Promise((resolve) => {
  process.once('SIGTERM', resolve);
  process.once('SIGINT', resolve);
});
const code = await main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stopSignal,
});
process.exit(code);
