/**
 * `@kgate/core`: the library under every kgate program. Import the subpath for what
 * you need (`@kgate/core/kubeconfig`, `@kgate/core/exec-credential`,
 * `@kgate/core/request-info`, `@kgate/core/errors`); this root re-exports them all.
 */
export * from './errors.ts';
export * from './exec-credential/index.ts';
export * from './kubeconfig/index.ts';
export * from './request-info/index.ts';
