/**
 * Files of this kgate installation. This module sits directly under `src/` so that the
 * same relative paths hold if it is ever bundled into `dist/`.
 */
import { fileURLToPath } from 'node:url';

/** The credential-plugin bundle built by `scripts/build.mjs`. */
export const tokenBundlePath = fileURLToPath(new URL('../dist/kgate-token.cjs', import.meta.url));

/** The `kgate` bin. */
export const binPath = fileURLToPath(new URL('../bin/kgate.mjs', import.meta.url));
