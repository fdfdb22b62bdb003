/**
 * `kgate-testkit apiserver`: runs the fixture by hand. Prints the server URL (and the
 * kubeconfig path) on stdout and serves until SIGINT/SIGTERM.
 *
 *   kgate-testkit apiserver --listen 127.0.0.1:6443 --write-kubeconfig FILE
 *     [--token TOKEN=USER[:GROUP,…]]… [--oidc-issuer-url URL --oidc-client-id ID
 *     [--oidc-username-claim C] [--oidc-username-prefix P] [--oidc-groups-claim C]
 *     [--oidc-groups-prefix P] [--oidc-ca-file FILE]] [--rbac-file rules.yaml]
 *     [--git-version v1.33.1]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { KgateError } from '@kgate/core/errors';
import { parse as parseYaml } from 'yaml';
import type { StaticToken } from './auth/authenticate.ts';
import type { OidcOptions } from './auth/oidc.ts';
import type { RbacRule } from './auth/rbac.ts';
import { type ApiServer, type ApiServerOptions, startApiServer } from './index.ts';

export const apiserverUsage = `Usage: kgate-testkit apiserver [options]

Runs the kgate test API server (TLS, real kubectl can talk to it).

Options:
  --listen HOST:PORT            address to listen on (default 127.0.0.1:0, 0 = a free port)
  --write-kubeconfig FILE       write an admin kubeconfig to FILE
  --token TOKEN=USER[:G1,G2]    accept a static bearer token (repeatable)
  --oidc-issuer-url URL         accept OIDC ID tokens from this issuer
  --oidc-client-id ID           audience the ID tokens must carry
  --oidc-username-claim CLAIM   claim holding the username (default sub)
  --oidc-username-prefix P      username prefix ('-' for none; default ISSUER# unless the claim is email)
  --oidc-groups-claim CLAIM     claim holding the groups
  --oidc-groups-prefix P        prefix added to every group
  --oidc-ca-file FILE           CA bundle to trust for the issuer
  --rbac-file FILE              YAML list of rules ({subjects, verbs, apiGroups, resources, ...})
  --git-version VERSION         what /version reports (default v1.33.1)
  -h, --help                    show this help
`;

function invalid(message: string, hint: string): KgateError {
  return new KgateError('INVALID_ARGUMENT', message, { hint });
}

/** Parses `HOST:PORT` (`[::1]:6443` for IPv6). */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value);
  const port = Number(match?.[3]);
  const host = match?.[1] ?? match?.[2];
  if (host === undefined || !Number.isInteger(port) || port < 0 || port > 65535)
    throw invalid(
      `--listen "${value}" is not HOST:PORT`,
      'use e.g. --listen 127.0.0.1:6443 (port 0 picks a free port)',
    );
  return { host, port };
}

/** Parses `TOKEN=USER[:GROUP,…]`. Errors never repeat the value: it holds a secret. */
export function parseToken(value: string): StaticToken {
  const hint = 'use e.g. --token s3cret=jane:dev,ops';
  const eq = value.indexOf('=');
  if (eq <= 0)
    throw invalid('a --token value is not TOKEN=USER[:GROUP,…] (it has no token before "=")', hint);
  const token = value.slice(0, eq);
  const rest = value.slice(eq + 1);
  const colon = rest.indexOf(':');
  const user = colon < 0 ? rest : rest.slice(0, colon);
  const groups =
    colon < 0
      ? []
      : rest
          .slice(colon + 1)
          .split(',')
          .filter((g) => g !== '');
  if (user === '') throw invalid('a --token value has an empty user', hint);
  return { token, user, groups };
}

/** Reads a rule table: a YAML list of rules, or `{rules: [...]}`. */
export async function readRbacFile(file: string): Promise<RbacRule[]> {
  const parsed: unknown = parseYaml(await readFile(file, 'utf8'));
  const rules = Array.isArray(parsed) ? parsed : (parsed as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules))
    throw invalid(
      `--rbac-file ${file} holds no list of rules`,
      'write a YAML list of {subjects, verbs, apiGroups, resources}',
    );
  for (const [i, rule] of rules.entries()) {
    const r = rule as Partial<RbacRule> | null;
    if (r === null || typeof r !== 'object' || !Array.isArray(r.subjects) || !Array.isArray(r.verbs))
      throw invalid(
        `--rbac-file ${file}: rule ${i} needs subjects and verbs lists`,
        'see the RbacRule fields in @kgate/testkit',
      );
  }
  return rules as RbacRule[];
}

export interface CliIo {
  stdout(line: string): void;
}

/** Parses the arguments and starts the server; the caller decides when to close it. */
export async function startFromArgs(argv: string[], io: CliIo): Promise<ApiServer | undefined> {
  const { values } = parseArgs({
    args: argv,
    options: {
      listen: { type: 'string', default: '127.0.0.1:0' },
      'write-kubeconfig': { type: 'string' },
      token: { type: 'string', multiple: true, default: [] },
      'oidc-issuer-url': { type: 'string' },
      'oidc-client-id': { type: 'string' },
      'oidc-username-claim': { type: 'string' },
      'oidc-username-prefix': { type: 'string' },
      'oidc-groups-claim': { type: 'string' },
      'oidc-groups-prefix': { type: 'string' },
      'oidc-ca-file': { type: 'string' },
      'rbac-file': { type: 'string' },
      'git-version': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(apiserverUsage);
    return undefined;
  }
  const { host, port } = parseListen(values.listen);
  const options: ApiServerOptions = { host, port, tokens: values.token.map(parseToken) };
  if (values['git-version'] !== undefined) options.gitVersion = values['git-version'];
  const issuerUrl = values['oidc-issuer-url'];
  const clientId = values['oidc-client-id'];
  if ((issuerUrl === undefined) !== (clientId === undefined))
    throw invalid('--oidc-issuer-url and --oidc-client-id go together', 'pass both, or neither');
  if (issuerUrl !== undefined && clientId !== undefined) {
    const oidc: OidcOptions = { issuerUrl, clientId };
    if (values['oidc-username-claim'] !== undefined) oidc.usernameClaim = values['oidc-username-claim'];
    if (values['oidc-username-prefix'] !== undefined) oidc.usernamePrefix = values['oidc-username-prefix'];
    if (values['oidc-groups-claim'] !== undefined) oidc.groupsClaim = values['oidc-groups-claim'];
    if (values['oidc-groups-prefix'] !== undefined) oidc.groupsPrefix = values['oidc-groups-prefix'];
    const caFile = values['oidc-ca-file'];
    if (caFile !== undefined) oidc.caPem = await readFile(caFile, 'utf8');
    options.oidc = oidc;
  }
  const rbacFile = values['rbac-file'];
  if (rbacFile !== undefined) options.rbac = await readRbacFile(rbacFile);
  const server = await startApiServer(options);
  io.stdout(server.url);
  const kubeconfig = values['write-kubeconfig'];
  if (kubeconfig !== undefined) {
    await server.writeKubeconfig(kubeconfig);
    io.stdout(`kubeconfig: ${kubeconfig}`);
  }
  return server;
}
