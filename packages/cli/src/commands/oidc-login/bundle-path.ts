/** Where the OIDC credential-plugin bundle of this installation is (built by scripts/build.mjs). */
import { fileURLToPath } from 'node:url';

/** `dist/kgate-oidc-login.cjs`: what the kubeconfig's launcher runs. */
export const oidcBundlePath = fileURLToPath(new URL('../../../dist/kgate-oidc-login.cjs', import.meta.url));
