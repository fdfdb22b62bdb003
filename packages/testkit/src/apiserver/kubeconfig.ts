/**
 * Kubeconfig files pointing at the fixture, for kubectl and client libraries: the
 * cluster (server URL + CA data) and one user authenticated by the admin token, a
 * bearer token, a client certificate, or an exec credential plugin.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { KeyAndCert } from './tls.ts';

/** A kubeconfig `user.exec` section (client.authentication.k8s.io). */
export interface ExecConfig {
  apiVersion: string;
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always';
  provideClusterInfo?: boolean;
  installHint?: string;
}

/** Who the kubeconfig's user is. */
export type KubeconfigUser = 'admin' | { token: string } | KeyAndCert | { exec: ExecConfig };

export interface KubeconfigOptions {
  user?: KubeconfigUser;
  /** Context (and cluster) name; default `kgate-testkit`. */
  context?: string;
  /** Default namespace of the context. */
  namespace?: string;
}

export interface KubeconfigTarget {
  url: string;
  caPem: string;
  adminToken: string;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** The kubeconfig as YAML text. */
export function renderKubeconfig(target: KubeconfigTarget, options: KubeconfigOptions = {}): string {
  const name = options.context ?? 'kgate-testkit';
  const user = options.user ?? 'admin';
  let userName: string;
  let userEntry: Record<string, unknown>;
  if (user === 'admin') {
    userName = `${name}-admin`;
    userEntry = { token: target.adminToken };
  } else if ('token' in user) {
    userName = `${name}-token`;
    userEntry = { token: user.token };
  } else if ('exec' in user) {
    userName = `${name}-exec`;
    const exec: Record<string, unknown> = { ...user.exec };
    exec.interactiveMode ??= 'Never';
    userEntry = { exec };
  } else {
    userName = `${name}-cert`;
    userEntry = { 'client-certificate-data': b64(user.certPem), 'client-key-data': b64(user.keyPem) };
  }
  const context: Record<string, string> = { cluster: name, user: userName };
  if (options.namespace !== undefined) context.namespace = options.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: target.url, 'certificate-authority-data': b64(target.caPem) } }],
    contexts: [{ name, context }],
    'current-context': name,
    preferences: {},
    users: [{ name: userName, user: userEntry }],
  });
}

/** Writes the kubeconfig with mode 0600 (it holds credentials). */
export async function writeKubeconfigFile(
  file: string,
  target: KubeconfigTarget,
  options: KubeconfigOptions = {},
): Promise<void> {
  await writeFile(file, renderKubeconfig(target, options), { mode: 0o600 });
  await chmod(file, 0o600);
}
