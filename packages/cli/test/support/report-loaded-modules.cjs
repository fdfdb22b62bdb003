// Preloaded with `node -r` by bundle.test.ts: at exit, writes to fd 3 which modules the
// process loaded (CommonJS files and node's own modules), so the test can tell what the
// credential plugin's start-up paid for.
const { writeSync } = require('node:fs');
process.on('exit', () => {
  writeSync(3, JSON.stringify({ files: Object.keys(require.cache), builtins: process.moduleLoadList }));
});
