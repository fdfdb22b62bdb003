#!/usr/bin/env node
// kgate-central: the gateway service. All logic lives in src/main.ts (type-checked and tested).
import { main } from '../src/main.ts';

const result = await main(process.argv.slice(2), process.env);
if (typeof result === 'number') process.exitCode = result;
