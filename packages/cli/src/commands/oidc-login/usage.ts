/** The help texts of `kgate oidc-login`, printed without commander (see settings.ts). */

const LOGIN_FLAGS = `Flags:
  --issuer-url URL                 the OpenID provider (required)
  --client-id ID                   the client registered for kubectl (required)
  --client-secret SECRET           for a confidential client; better: the environment
                                   variable KGATE_OIDC_CLIENT_SECRET (setup puts it there)
  --extra-scope SCOPE              a scope besides openid (repeatable, or comma-separated)
  --use-access-token               hand kubectl the access token instead of the ID token
  --certificate-authority FILE     PEM CA bundle to trust for the provider's TLS
  --grant-type TYPE                auto (default: password with --username, else authcode),
                                   authcode, authcode-keyboard, device-code, password
  --listen-address HOST:PORT       loopback address for the login callback, tried in order
                                   (repeatable; default 127.0.0.1:8000, 127.0.0.1:18000,
                                   then any free port)
  --browser-command PATH           program that opens the login URL (given as its argument)
  --skip-open-browser              print the login URL instead of opening a browser
  --authentication-timeout DUR     time to finish a login (default 180s)
  --token-cache-storage KIND       keyring (default; a 0600 file where no keyring runs),
                                   disk, none
  --token-cache-dir DIR            cache folder (default ~/.kube/cache/kgate)
  --username NAME                  for --grant-type password (the password is prompted)
  --auth-request-extra-params K=V  extra authorization request parameter (repeatable)
`;

/** `kgate oidc-login --help`. */
export const OIDC_LOGIN_USAGE = `Usage: kgate oidc-login <command> [flags]

Log in to an OpenID Connect provider for kubectl (an exec credential plugin).

Commands:
  setup      log in once, show the ID token claims, and write or print the kubeconfig
             user entry (--kubeconfig FILE --user NAME) that runs get-token
  get-token  print an ExecCredential for kubectl, from the cache, a refresh or a login
  logout     revoke the refresh token at the provider and remove the cached tokens
  clean      remove every cached OIDC token (--token-cache-dir DIR)

Run \`kgate oidc-login <command> --help\` for its flags.
`;

/** `kgate oidc-login get-token --help`. */
export const GET_TOKEN_USAGE = `Usage: kgate oidc-login get-token --issuer-url URL --client-id ID [flags]

The exec credential plugin kubeconfigs written by \`kgate oidc-login setup\` run. Prints
only an ExecCredential (client.authentication.k8s.io/v1, or the version in
KUBERNETES_EXEC_INFO) on stdout: a cached token, else a refreshed one, else one from a
new login (messages go to stderr).

${LOGIN_FLAGS}`;

/** `kgate oidc-login setup --help`. */
export const SETUP_USAGE = `Usage: kgate oidc-login setup --issuer-url URL --client-id ID [flags]

Logs in, prints the ID token's claims (not the token), caches the tokens, and writes the
kubeconfig user entry that runs \`kgate oidc-login get-token\` with the same flags to
--kubeconfig FILE (as --user NAME, default "oidc"), or prints it.

${LOGIN_FLAGS}  --kubeconfig FILE                kubeconfig to write the user entry to
  --user NAME                      name of the user entry (default oidc)
`;

/** `kgate oidc-login logout --help`. */
export const LOGOUT_USAGE = `Usage: kgate oidc-login logout --issuer-url URL --client-id ID [flags]

Revokes the cached refresh token at the provider (when it has a revocation endpoint) and
removes the cached tokens of these flags. Takes the flags of get-token.
`;

/** `kgate oidc-login clean --help`. */
export const CLEAN_USAGE = `Usage: kgate oidc-login clean [--token-cache-dir DIR]

Removes every cached OIDC token: the files in the cache folder (default
~/.kube/cache/kgate) and the OS keyring entries they point at. Nothing is revoked.
`;
