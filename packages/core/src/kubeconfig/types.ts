/**
 * The kubeconfig file format, version v1, as client-go reads and writes it
 * (`k8s.io/client-go/tools/clientcmd/api/v1/types.go`).
 *
 * Property names are the YAML field names, so a loaded file is a plain object that
 * writes back as it came. Every object also keeps the fields kgate does not know
 * (the index signature): a newer kubectl's fields, or a vendor's, survive a load and
 * a write unchanged.
 *
 * List fields that kubectl writes as `null` when empty (`clusters`, `users`,
 * `contexts`, `args`, `env`) may be `null` here too, so that a file kubectl wrote
 * round-trips byte for byte.
 */

/** A named extension: `{name, extension}`, where `extension` is any value. */
export interface NamedExtension {
  /** Unique among its siblings; conventionally a domain-qualified name. */
  name: string;
  /** Opaque to kubectl; kept exactly as read. */
  extension: unknown;
  [field: string]: unknown;
}

/** How to reach one API server. */
export interface Cluster {
  /** `https://host:port` of the API server. */
  server?: string;
  /** The name the server's certificate is checked against, when it differs from the host. */
  'tls-server-name'?: string;
  /** Skip TLS verification (unsafe). */
  'insecure-skip-tls-verify'?: boolean;
  /** Path of a PEM CA bundle; relative paths are relative to the file defining the cluster. */
  'certificate-authority'?: string;
  /** Base64 of a PEM CA bundle; wins over `certificate-authority`. */
  'certificate-authority-data'?: string;
  /** `http`, `https` or `socks5` proxy URL. */
  'proxy-url'?: string;
  /** Ask the server for uncompressed responses. */
  'disable-compression'?: boolean;
  /** Extra data for tools; `client.authentication.k8s.io/exec` reaches exec plugins. */
  extensions?: NamedExtension[];
  [field: string]: unknown;
}

/** One environment variable for an exec plugin (`users[].user.exec.env[]`). */
export interface KubeconfigExecEnvVar {
  name: string;
  value: string;
  [field: string]: unknown;
}

/**
 * An exec credential plugin as a kubeconfig holds it (client-go `ExecConfig`). Every
 * field is optional because a file may lack any; `@kgate/core/exec-credential`'s
 * `validateExecConfig` checks one before it is run.
 */
export interface KubeconfigExecConfig {
  /** The program; relative to the defining file when it contains a path separator, else looked up on PATH. */
  command?: string;
  args?: string[] | null;
  env?: KubeconfigExecEnvVar[] | null;
  /** `client.authentication.k8s.io/v1` or `/v1beta1`; the plugin must answer with the same. */
  apiVersion?: string;
  /** Printed by the client when `command` is not found. */
  installHint?: string;
  /** Pass the cluster's connection data in `KUBERNETES_EXEC_INFO`. */
  provideClusterInfo?: boolean;
  /** Required by v1; a file may hold any string, which validation rejects. */
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always' | (string & {});
  [field: string]: unknown;
}

/** A legacy auth provider (`auth-provider`), e.g. `oidc`. */
export interface AuthProviderConfig {
  name: string;
  config?: Record<string, string>;
  [field: string]: unknown;
}

/** Credentials for one user (client-go `AuthInfo`; YAML key `user`). */
export interface AuthInfo {
  'client-certificate'?: string;
  /** Base64 of a PEM certificate. */
  'client-certificate-data'?: string;
  'client-key'?: string;
  /** Base64 of a PEM private key. */
  'client-key-data'?: string;
  token?: string;
  /** A file holding a bearer token, re-read by clients. */
  tokenFile?: string;
  /** Impersonate this user. */
  as?: string;
  'as-uid'?: string;
  'as-groups'?: string[] | null;
  'as-user-extra'?: Record<string, string[]>;
  username?: string;
  password?: string;
  'auth-provider'?: AuthProviderConfig;
  exec?: KubeconfigExecConfig;
  extensions?: NamedExtension[];
  [field: string]: unknown;
}

/** Which cluster, user and namespace to use together. */
export interface Context {
  /** The name of an entry of `clusters`. */
  cluster: string;
  /** The name of an entry of `users`. */
  user: string;
  namespace?: string;
  extensions?: NamedExtension[];
  [field: string]: unknown;
}

/** An entry of `clusters`. */
export interface NamedCluster {
  name: string;
  cluster: Cluster;
  [field: string]: unknown;
}

/** An entry of `users`. */
export interface NamedAuthInfo {
  name: string;
  user: AuthInfo;
  [field: string]: unknown;
}

/** An entry of `contexts`. */
export interface NamedContext {
  name: string;
  context: Context;
  [field: string]: unknown;
}

/** User preferences; kubectl ignores them today but keeps them. */
export interface Preferences {
  colors?: boolean;
  extensions?: NamedExtension[];
  [field: string]: unknown;
}

/** A whole kubeconfig file (`kind: Config`, `apiVersion: v1`). */
export interface Config {
  apiVersion?: string;
  kind?: string;
  clusters?: NamedCluster[] | null;
  contexts?: NamedContext[] | null;
  /** The context used when none is named; `""` when unset. */
  'current-context'?: string;
  preferences?: Preferences;
  users?: NamedAuthInfo[] | null;
  extensions?: NamedExtension[];
  [field: string]: unknown;
}

/** The three named lists of a kubeconfig, by their YAML key. */
export type EntrySection = 'clusters' | 'users' | 'contexts';

/** The entry type stored in each {@link EntrySection}. */
export interface SectionEntry {
  clusters: NamedCluster;
  users: NamedAuthInfo;
  contexts: NamedContext;
}

/** The key of the body of each section's entries (`cluster`, `user`, `context`). */
export const sectionBodyKey = { clusters: 'cluster', users: 'user', contexts: 'context' } as const;

/** The singular noun for an entry of each section, for messages. */
export const sectionNoun = { clusters: 'cluster', users: 'user', contexts: 'context' } as const;

/**
 * A new, empty kubeconfig as kubectl creates one.
 *
 * @example
 * ```ts
 * const config = emptyConfig();
 * config.clusters = [{ name: 'dev', cluster: { server: 'https://127.0.0.1:6443' } }];
 * ```
 */
export function emptyConfig(): Config {
  return {
    apiVersion: 'v1',
    clusters: null,
    contexts: null,
    'current-context': '',
    kind: 'Config',
    preferences: {},
    users: null,
  };
}
