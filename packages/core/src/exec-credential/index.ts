/**
 * `@kgate/core/exec-credential`: the client-go exec credential protocol
 * (`client.authentication.k8s.io` v1 and v1beta1) from both sides. A client runs plugins with
 * {@link runExecPlugin} or caches their credential with {@link ExecCredentialProvider}; a
 * plugin reads {@link readExecInfo} and prints {@link formatExecCredential}.
 */
export * from './cluster.ts';
export * from './config.ts';
export * from './credential.ts';
export * from './exec-info.ts';
export * from './interactive.ts';
export * from './look-path.ts';
export * from './provider.ts';
export * from './run.ts';
export * from './types.ts';
