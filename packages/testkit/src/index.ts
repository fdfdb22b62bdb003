/**
 * `@kgate/testkit`: fixtures for kgate's tests. The API server fixture
 * (`@kgate/testkit/apiserver`) and the real kubectl binaries (`@kgate/testkit/kubectl`)
 * are re-exported here.
 */
export * from './apiserver/index.ts';
export * from './kubectl.ts';
