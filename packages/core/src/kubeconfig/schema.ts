/**
 * The known fields of each kubeconfig object, their types, and the order kubectl
 * writes them in. One table drives both the structural check of a file that was read
 * (parse.ts) and the key order of a file that is written (serialize.ts), so the two
 * cannot drift apart.
 *
 * kubectl writes through JSON and sigs.k8s.io/yaml, which sorts map keys, so its
 * order is byte order of the field names; each `fields` record below is listed in
 * that order (a test checks it).
 */

/** The type of one known field, as Go's JSON decoder in client-go enforces it. */
export type FieldType =
  | { readonly kind: 'string' }
  | { readonly kind: 'boolean' }
  /** Go `[]byte`: a base64 string (standard alphabet, padded). */
  | { readonly kind: 'base64' }
  | { readonly kind: 'strings' }
  | { readonly kind: 'stringMap' }
  | { readonly kind: 'stringsMap' }
  | { readonly kind: 'any' }
  | { readonly kind: 'object'; readonly spec: ObjectSpec }
  | { readonly kind: 'list'; readonly spec: ObjectSpec };

/** The known fields of one kind of object. */
export interface ObjectSpec {
  /** For messages: `cluster`, `exec`, … */
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldType>>;
  /**
   * Fields a Go client always has; when a file leaves one out (or sets it to null)
   * the parser fills in the zero value, so the typed model never lies.
   */
  readonly required?: Readonly<Record<string, unknown>>;
  /** A list of these is keyed by `name`: client-go refuses a name seen twice in one list. */
  readonly unique?: boolean;
}

const string = { kind: 'string' } as const;
const boolean = { kind: 'boolean' } as const;
const base64 = { kind: 'base64' } as const;
const strings = { kind: 'strings' } as const;

const namedExtension: ObjectSpec = {
  name: 'extension',
  fields: { extension: { kind: 'any' }, name: string },
  required: { name: '' },
  unique: true,
};
const extensions = { kind: 'list', spec: namedExtension } as const;

const cluster: ObjectSpec = {
  name: 'cluster',
  fields: {
    'certificate-authority': string,
    'certificate-authority-data': base64,
    'disable-compression': boolean,
    extensions,
    'insecure-skip-tls-verify': boolean,
    'proxy-url': string,
    server: string,
    'tls-server-name': string,
  },
};

const execEnv: ObjectSpec = { name: 'env', fields: { name: string, value: string } };

const exec: ObjectSpec = {
  name: 'exec',
  fields: {
    apiVersion: string,
    args: strings,
    command: string,
    env: { kind: 'list', spec: execEnv },
    installHint: string,
    interactiveMode: string,
    provideClusterInfo: boolean,
  },
};

const authProvider: ObjectSpec = {
  name: 'auth-provider',
  fields: { config: { kind: 'stringMap' }, name: string },
  required: { name: '' },
};

const user: ObjectSpec = {
  name: 'user',
  fields: {
    as: string,
    'as-groups': strings,
    'as-uid': string,
    'as-user-extra': { kind: 'stringsMap' },
    'auth-provider': { kind: 'object', spec: authProvider },
    'client-certificate': string,
    'client-certificate-data': base64,
    'client-key': string,
    'client-key-data': base64,
    exec: { kind: 'object', spec: exec },
    extensions,
    password: string,
    token: string,
    tokenFile: string,
    username: string,
  },
};

const context: ObjectSpec = {
  name: 'context',
  fields: { cluster: string, extensions, namespace: string, user: string },
  required: { cluster: '', user: '' },
};

const preferences: ObjectSpec = { name: 'preferences', fields: { colors: boolean, extensions } };

/** `clusters[]`: `{cluster, name}`. */
export const namedClusterSpec: ObjectSpec = {
  name: 'cluster entry',
  fields: { cluster: { kind: 'object', spec: cluster }, name: string },
  required: { cluster: {}, name: '' },
  unique: true,
};

/** `users[]`: `{name, user}`. */
export const namedUserSpec: ObjectSpec = {
  name: 'user entry',
  fields: { name: string, user: { kind: 'object', spec: user } },
  required: { name: '', user: {} },
  unique: true,
};

/** `contexts[]`: `{context, name}`. */
export const namedContextSpec: ObjectSpec = {
  name: 'context entry',
  fields: { context: { kind: 'object', spec: context }, name: string },
  required: { context: { cluster: '', user: '' }, name: '' },
  unique: true,
};

/** The top level of a kubeconfig file. */
export const configSpec: ObjectSpec = {
  name: 'kubeconfig',
  fields: {
    apiVersion: string,
    clusters: { kind: 'list', spec: namedClusterSpec },
    contexts: { kind: 'list', spec: namedContextSpec },
    'current-context': string,
    extensions,
    kind: string,
    preferences: { kind: 'object', spec: preferences },
    users: { kind: 'list', spec: namedUserSpec },
  },
};

/**
 * Fields kubectl writes as `null` when they are empty Go slices. The parser keeps a
 * `null` in these (so a kubectl-written file round-trips); a `null` anywhere else
 * means "not set", as it does to Go's JSON decoder, and is dropped.
 */
export const nullableFields: ReadonlySet<string> = new Set(['clusters', 'contexts', 'users', 'args', 'env']);
