/**
 * The `client.authentication.k8s.io` wire types (v1 and v1beta1 share one shape) and the
 * kubeconfig `users[].user.exec` block, with JSON field names exactly as upstream
 * (client-go `pkg/apis/clientauthentication/v1/types.go`, `tools/clientcmd/api/v1/types.go`).
 */

/** The `client.authentication.k8s.io` API version for ExecCredential v1. */
export const EXEC_CREDENTIAL_V1 = 'client.authentication.k8s.io/v1';
/** The `client.authentication.k8s.io` API version for ExecCredential v1beta1. */
export const EXEC_CREDENTIAL_V1BETA1 = 'client.authentication.k8s.io/v1beta1';

/** The API versions a client can ask a plugin for (v1alpha1 was removed in client-go 1.24). */
export const execCredentialApiVersions = [EXEC_CREDENTIAL_V1, EXEC_CREDENTIAL_V1BETA1] as const;

/** `client.authentication.k8s.io/v1` or `client.authentication.k8s.io/v1beta1`. */
export type ExecCredentialApiVersion = (typeof execCredentialApiVersions)[number];

/**
 * The environment variable through which a client hands a plugin its ExecCredential input.
 */
export const EXEC_INFO_ENV = 'KUBERNETES_EXEC_INFO';

/**
 * The cluster extension whose value reaches the plugin as `spec.cluster.config`
 * (kubeconfig `clusters[].cluster.extensions[].name`).
 */
export const EXEC_CLUSTER_EXTENSION = 'client.authentication.k8s.io/exec';

/** How a plugin relates to standard input. */
export type ExecInteractiveMode = 'Never' | 'IfAvailable' | 'Always';

/** The values {@link ExecInteractiveMode} can take. */
export const execInteractiveModes: readonly ExecInteractiveMode[] = ['Never', 'IfAvailable', 'Always'];

/** One extra environment variable for the plugin. */
export interface ExecEnvVar {
  name: string;
  value: string;
}

/**
 * A kubeconfig `users[].user.exec` block as read from a file: every field may be missing or
 * wrong, and `validateExecConfig` (which every runner calls) checks it.
 */
export interface ExecConfig {
  /** The ExecCredential version the plugin is given and must answer with. */
  apiVersion?: string;
  /** The program to run: a path, or a name looked up on PATH. */
  command?: string;
  args?: readonly string[] | null;
  /** Added to (and overriding) the client's own environment. */
  env?: readonly ExecEnvVar[] | null;
  /** Shown when `command` is not found, e.g. `brew install foo-cli`. */
  installHint?: string;
  /** Whether `KUBERNETES_EXEC_INFO` carries `spec.cluster`. */
  provideClusterInfo?: boolean;
  /** Required for v1; v1beta1 defaults to `IfAvailable`. */
  interactiveMode?: ExecInteractiveMode | (string & {});
}

/**
 * What the plugin learns of the cluster (`spec.cluster`), when `provideClusterInfo` is set.
 * Field names are the kubeconfig's (kebab-case), unlike the camelCase status.
 */
export interface ExecCluster {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  /** Base64 of the PEM CA bundle (standard alphabet, padded). */
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
  /** The cluster's `client.authentication.k8s.io/exec` extension; `null` when there is none. */
  config?: unknown;
}

/** The input half of an ExecCredential, set by the client. */
export interface ExecCredentialSpec {
  cluster?: ExecCluster;
  /** Whether the plugin was given the client's stdin (and so may prompt). */
  interactive: boolean;
}

/** The output half of an ExecCredential, filled by the plugin. */
export interface ExecCredentialStatus {
  /** RFC 3339 time after which the client runs the plugin again. */
  expirationTimestamp?: string;
  /** A bearer token. */
  token?: string;
  /** PEM client certificate (with intermediates). */
  clientCertificateData?: string;
  /** PEM private key of `clientCertificateData`. */
  clientKeyData?: string;
}

/** An ExecCredential object, as passed in `KUBERNETES_EXEC_INFO` or printed by a plugin. */
export interface ExecCredential<V extends string = ExecCredentialApiVersion> {
  kind: 'ExecCredential';
  apiVersion: V;
  spec: ExecCredentialSpec;
  status?: ExecCredentialStatus;
}

/** An ExecCredential of `client.authentication.k8s.io/v1`. */
export type ExecCredentialV1 = ExecCredential<typeof EXEC_CREDENTIAL_V1>;
/** An ExecCredential of `client.authentication.k8s.io/v1beta1`. */
export type ExecCredentialV1beta1 = ExecCredential<typeof EXEC_CREDENTIAL_V1BETA1>;
