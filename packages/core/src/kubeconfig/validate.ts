/**
 * Checks a kubeconfig for what makes it unusable or ambiguous, after client-go's
 * `validation.go`: contexts naming missing clusters or users, a cluster without a
 * server, a user with two ways to authenticate, an exec plugin missing a required
 * field. kubectl loads such files and fails only when the bad entry is used, so
 * loading is lenient and this check is explicit.
 *
 * Unlike client-go it does not open the files the config names (that is I/O; the
 * caller may check `certificate-authority` and friends when it uses them).
 */
import type { KubeconfigOrigins } from './merge-files.ts';
import { isBase64 } from './parse.ts';
import { formatPath, KubeconfigInvalidError, type KubeconfigProblem, type PathStep } from './problems.ts';
import { type AuthInfo, type Cluster, type Config, type EntrySection, sectionNoun } from './types.ts';

/** Options for {@link validateConfig}. */
export interface ValidateOptions {
  /**
   * Where each entry came from, from a load. Problems then name the file and count
   * indexes within it instead of within the merged list.
   */
  origins?: KubeconfigOrigins;
}

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const legacyExecVersions = new Set([
  'client.authentication.k8s.io/v1beta1',
  'client.authentication.k8s.io/v1alpha1',
]);

function present(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function someOf(names: readonly string[], limit = 5): string {
  if (names.length === 0) return '(none defined)';
  const shown = names.slice(0, limit).map((n) => `"${n}"`);
  return names.length > limit ? `${shown.join(', ')}, …` : shown.join(', ');
}

type Add = (at: readonly PathStep[], message: string, hint: string) => void;

function checkCluster(cluster: Cluster, at: PathStep[], add: Add): void {
  const p = formatPath(at);
  if (!present(cluster.server))
    add([...at, 'server'], `${p}.server is not set`, "set server to the API server's https:// URL");
  if (present(cluster['certificate-authority']) && present(cluster['certificate-authority-data']))
    add(
      at,
      `${p}: certificate-authority and certificate-authority-data are both set`,
      'remove one; clients use certificate-authority-data and ignore the file',
    );
  const data = cluster['certificate-authority-data'];
  if (typeof data === 'string' && !isBase64(data))
    add(
      [...at, 'certificate-authority-data'],
      `${p}.certificate-authority-data is not valid base64`,
      'encode the PEM file with `base64 -w0 FILE`',
    );
  const proxy = cluster['proxy-url'];
  if (typeof proxy === 'string' && proxy !== '') {
    const scheme = URL.canParse(proxy) ? new URL(proxy).protocol : undefined;
    if (scheme !== 'http:' && scheme !== 'https:' && scheme !== 'socks5:')
      add(
        [...at, 'proxy-url'],
        `${p}.proxy-url "${proxy}" is not an http, https or socks5 URL`,
        'write it as http://host:port, https://host:port or socks5://host:port',
      );
  }
}

function checkUser(user: AuthInfo, at: PathStep[], add: Add): void {
  const p = formatPath(at);
  const both = (a: keyof AuthInfo, b: keyof AuthInfo, hint: string) => {
    if (present(user[a]) && present(user[b])) add(at, `${p}: ${a} and ${b} are both set`, hint);
  };
  both(
    'token',
    'tokenFile',
    'remove one; clients start with token but switch to the contents of tokenFile when they re-read it',
  );
  if (present(user.token) && (present(user.username) || present(user.password)))
    add(
      at,
      `${p}: token and username/password are both set`,
      'keep one way to authenticate and remove the other',
    );
  const hasCert = present(user['client-certificate']) || present(user['client-certificate-data']);
  const hasKey = present(user['client-key']) || present(user['client-key-data']);
  both('client-certificate', 'client-certificate-data', 'remove one; clients use client-certificate-data');
  both('client-key', 'client-key-data', 'remove one; clients use client-key-data');
  if (hasCert && !hasKey)
    add(
      at,
      `${p}: a client certificate is set but no client-key or client-key-data`,
      'add the private key of the client certificate',
    );
  if (hasKey && !hasCert)
    add(
      at,
      `${p}: a client key is set but no client-certificate or client-certificate-data`,
      'add the client certificate that goes with the key',
    );
  if (
    !present(user.as) &&
    (present(user['as-uid']) || present(user['as-groups']) || present(user['as-user-extra']))
  )
    add(
      at,
      `${p}: as-uid, as-groups or as-user-extra is set without as`,
      'set as to the user to impersonate, or remove the other as-* fields',
    );

  const exec = user.exec;
  if (exec === undefined) return;
  const e = [...at, 'exec'];
  if (user['auth-provider'] !== undefined)
    add(at, `${p}: exec and auth-provider are both set`, 'remove auth-provider; exec replaces it');
  if (!present(exec.command))
    add(
      [...e, 'command'],
      `${formatPath(e)}.command is not set`,
      'set command to the credential plugin program',
    );
  if (!present(exec.apiVersion))
    add(
      [...e, 'apiVersion'],
      `${formatPath(e)}.apiVersion is not set`,
      'set apiVersion: client.authentication.k8s.io/v1',
    );
  const mode = exec.interactiveMode;
  if (!present(mode)) {
    // client-go defaults it only for the older API versions.
    if (!legacyExecVersions.has(exec.apiVersion ?? ''))
      add(
        [...e, 'interactiveMode'],
        `${formatPath(e)}.interactiveMode is not set`,
        'set interactiveMode: Never, IfAvailable or Always (client.authentication.k8s.io/v1 requires it)',
      );
  } else if (mode !== 'Never' && mode !== 'IfAvailable' && mode !== 'Always')
    add(
      [...e, 'interactiveMode'],
      `${formatPath(e)}.interactiveMode "${mode}" is not Never, IfAvailable or Always`,
      'set interactiveMode: Never, IfAvailable or Always',
    );
  (exec.env ?? []).forEach((variable, index) => {
    if (!present(variable.name))
      add(
        [...e, 'env', index, 'name'],
        `${formatPath([...e, 'env', index])}.name is not set`,
        'give every exec env entry a name',
      );
  });
}

/**
 * Every problem in `config`, in file order; an empty list when it is usable.
 *
 * @example
 * ```ts
 * for (const problem of validateConfig(loaded.config, { origins: loaded.origins })) console.error(formatProblem(problem));
 * ```
 */
export function validateConfig(config: Config, options: ValidateOptions = {}): KubeconfigProblem[] {
  const problems: KubeconfigProblem[] = [];
  const names = {
    clusters: (config.clusters ?? []).map((e) => e.name),
    users: (config.users ?? []).map((e) => e.name),
    contexts: (config.contexts ?? []).map((e) => e.name),
  };

  // An entry's own problems are reported at its index in the file it came from.
  const adder =
    (section: EntrySection, index: number, name: string): Add =>
    (at, message, hint) => {
      const origin = options.origins?.[section].get(name);
      const local = origin === undefined ? at : [section, origin.index, ...at.slice(2)];
      const prefix = formatPath([section, index]);
      const localMessage =
        origin === undefined ? message : message.replace(prefix, formatPath([section, origin.index]));
      problems.push({
        path: formatPath(local),
        message: localMessage,
        hint,
        ...(origin ? { file: origin.file } : {}),
      });
    };

  for (const section of ['clusters', 'users', 'contexts'] as const) {
    const seen = new Map<string, number>();
    names[section].forEach((name, index) => {
      const add = adder(section, index, name);
      if (name === '')
        add(
          [section, index, 'name'],
          `${section}[${index}].name is empty`,
          `give the ${sectionNoun[section]} a name`,
        );
      const first = seen.get(name);
      if (first === undefined) seen.set(name, index);
      else
        add(
          [section, index, 'name'],
          `${section}[${index}].name "${name}" duplicates ${section}[${first}]`,
          `rename or remove one of the entries named "${name}"`,
        );
    });
  }

  (config.clusters ?? []).forEach((entry, index) => {
    checkCluster(entry.cluster, ['clusters', index, 'cluster'], adder('clusters', index, entry.name));
  });
  (config.users ?? []).forEach((entry, index) => {
    checkUser(entry.user, ['users', index, 'user'], adder('users', index, entry.name));
  });
  (config.contexts ?? []).forEach((entry, index) => {
    const add = adder('contexts', index, entry.name);
    for (const [field, section] of [
      ['cluster', 'clusters'],
      ['user', 'users'],
    ] as const) {
      const at = ['contexts', index, 'context', field];
      const ref = entry.context[field];
      if (!present(ref))
        add(at, `${formatPath(at)} is not set`, `name one of the ${section}: ${someOf(names[section])}`);
      else if (!names[section].includes(ref))
        add(
          at,
          `${formatPath(at)} "${ref}" not found`,
          `add a ${sectionNoun[section]} named "${ref}" or use one of: ${someOf(names[section])}`,
        );
    }
    const namespace = entry.context.namespace;
    if (
      present(namespace) &&
      (typeof namespace !== 'string' || namespace.length > 63 || !dns1123Label.test(namespace))
    ) {
      const at = ['contexts', index, 'context', 'namespace'];
      add(
        at,
        `${formatPath(at)} "${String(namespace)}" is not a valid namespace name`,
        'use lower-case letters, digits and "-", at most 63 characters',
      );
    }
  });

  const current = config['current-context'];
  if (present(current) && typeof current === 'string' && !names.contexts.includes(current)) {
    const file = options.origins?.currentContext;
    problems.push({
      path: 'current-context',
      message: `current-context "${current}" not found`,
      hint: `choose one of the contexts: ${someOf(names.contexts)} (kubectl config use-context NAME)`,
      ...(file === undefined ? {} : { file }),
    });
  }
  return problems;
}

/**
 * Throws a {@link KubeconfigInvalidError} (`KUBECONFIG_INVALID`) listing every problem
 * {@link validateConfig} finds; returns when there is none.
 *
 * @example
 * ```ts
 * assertValidConfig(loaded.config, { origins: loaded.origins });
 * ```
 */
export function assertValidConfig(config: Config, options: ValidateOptions = {}): void {
  const problems = validateConfig(config, options);
  if (problems.length > 0) throw new KubeconfigInvalidError(problems);
}
