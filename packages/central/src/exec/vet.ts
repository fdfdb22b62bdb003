/**
 * Which kubectl command lines `POST /clusters/{name}/exec` runs, decided before anything
 * runs. Pure: a list of words in, the command path out, or an `INVALID_ARGUMENT` naming
 * the refused subcommand or flag.
 *
 * The rules follow how kubectl 1.33 reads its arguments (cobra finds the subcommand,
 * pflag the flags), and where this code cannot tell how kubectl will read a word it
 * assumes the reading that lets less through:
 *
 * - every word that starts with `-` before the `--` separator is checked as a flag, even
 *   where kubectl may take it as the value of the flag before it;
 * - a `--` right after a flag that may take a value is that value for pflag, not the
 *   separator, so checking goes on past it;
 * - in `-abc`, each letter is a flag until one that takes a value (the rest is that
 *   value); a letter this code does not know is taken both ways;
 * - before the subcommand only the few harmless global flags (`-n`, `--request-timeout`…)
 *   may appear, so the subcommand is the one kubectl finds.
 */
import { KgateError } from '@kgate/core/errors';

/** At most this many words in `command`. */
export const MAX_COMMAND_WORDS = 256;
/** At most this many bytes (UTF-8) per word. */
export const MAX_WORD_BYTES = 8 * 1024;

/** A command line central will run. */
export interface VettedCommand {
  /**
   * The kubectl subcommand path, as far as it is certain: `['get']`, `['auth', 'can-i']`,
   * `['create', 'secret', 'generic']`. Safe to log: it holds no argument values.
   */
  readonly path: readonly string[];
}

/** The subcommands central runs. Everything else is refused by name. */
export const ALLOWED_SUBCOMMANDS: ReadonlySet<string> = new Set([
  'get',
  'describe',
  'logs',
  'apply',
  'create',
  'delete',
  'patch',
  'replace',
  'label',
  'annotate',
  'scale',
  'rollout',
  'set',
  'expose',
  'run',
  'exec',
  'top',
  'auth',
  'api-resources',
  'api-versions',
  'version',
  'wait',
  'events',
  'explain',
  'cluster-info',
  // Node maintenance: each is API requests only (patch a node, evict pods), which the
  // proxy's RBAC decides and audits exactly as for the user's own kubectl.
  'cordon',
  'uncordon',
  'drain',
  'taint',
]);

const ON_CENTRAL_DISK = "it reads or writes files on central's disk";
const INTERACTIVE = 'it is interactive, and central has no terminal to give it';

/** Built-in subcommands refused, and why. */
const REFUSED_SUBCOMMANDS: Readonly<Record<string, string>> = {
  config: "it reads and writes kubeconfig files on central's disk",
  edit: 'it opens an editor on central',
  proxy: 'it listens on a port of central',
  'port-forward': 'it listens on a port of central',
  attach: INTERACTIVE,
  cp: ON_CENTRAL_DISK,
  debug: `${INTERACTIVE}, and some of its flags read files on central's disk`,
  kustomize: ON_CENTRAL_DISK,
  plugin: "it looks for programs on central's disk",
  completion: 'it prints shell code for a kubectl installed locally',
  alpha: 'its commands are experimental and not vetted',
  certificate: 'approving certificate requests mints cluster credentials',
  diff: 'it runs a diff program on central',
  autoscale: 'it is not on the list of commands central runs',
  options: 'it is not on the list of commands central runs',
  help: 'it is not on the list of commands central runs',
};

/** Subcommands (and their aliases) of the commands that have them: alias → name. */
const SUBCOMMANDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  create: {
    clusterrole: 'clusterrole',
    clusterrolebinding: 'clusterrolebinding',
    configmap: 'configmap',
    cm: 'configmap',
    cronjob: 'cronjob',
    cj: 'cronjob',
    deployment: 'deployment',
    deploy: 'deployment',
    ingress: 'ingress',
    ing: 'ingress',
    job: 'job',
    namespace: 'namespace',
    ns: 'namespace',
    poddisruptionbudget: 'poddisruptionbudget',
    pdb: 'poddisruptionbudget',
    priorityclass: 'priorityclass',
    pc: 'priorityclass',
    quota: 'quota',
    resourcequota: 'quota',
    role: 'role',
    rolebinding: 'rolebinding',
    secret: 'secret',
    service: 'service',
    svc: 'service',
    serviceaccount: 'serviceaccount',
    sa: 'serviceaccount',
    token: 'token',
  },
  'create secret': { generic: 'generic', tls: 'tls', 'docker-registry': 'docker-registry' },
  'create service': {
    clusterip: 'clusterip',
    externalname: 'externalname',
    loadbalancer: 'loadbalancer',
    nodeport: 'nodeport',
  },
  set: {
    env: 'env',
    image: 'image',
    resources: 'resources',
    selector: 'selector',
    serviceaccount: 'serviceaccount',
    sa: 'serviceaccount',
    subject: 'subject',
  },
  rollout: {
    history: 'history',
    pause: 'pause',
    restart: 'restart',
    resume: 'resume',
    status: 'status',
    undo: 'undo',
  },
  top: { node: 'node', nodes: 'node', no: 'node', pod: 'pod', pods: 'pod', po: 'pod' },
  auth: { 'can-i': 'can-i', whoami: 'whoami', reconcile: 'reconcile' },
  apply: {
    'edit-last-applied': 'edit-last-applied',
    'set-last-applied': 'set-last-applied',
    'view-last-applied': 'view-last-applied',
  },
  'cluster-info': { dump: 'dump' },
};

/**
 * Subcommands refused wherever their word appears after the command: cobra may find them
 * after flags this code cannot read, so their word anywhere is enough.
 */
const REFUSED_NESTED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  auth: { reconcile: 'it changes RBAC objects from manifests in bulk; use `kubectl apply -f -`' },
  'cluster-info': { dump: "it writes files on central's disk and can dump the whole cluster" },
  apply: { 'edit-last-applied': 'it opens an editor on central' },
};

const AS_YOU = 'central runs kubectl against the cluster as you';
const VERBOSE = 'high verbosity prints request details, credentials among them';

/** Flags refused by name (after `_` → `-`, as kubectl normalises them), and why. */
const REFUSED_FLAGS: Readonly<Record<string, string>> = {
  kubeconfig: AS_YOU,
  server: AS_YOU,
  token: AS_YOU,
  context: AS_YOU,
  cluster: AS_YOU,
  user: AS_YOU,
  username: AS_YOU,
  password: AS_YOU,
  'certificate-authority': AS_YOU,
  'insecure-skip-tls-verify': AS_YOU,
  'tls-server-name': AS_YOU,
  kuberc: ON_CENTRAL_DISK,
  'cache-dir': ON_CENTRAL_DISK,
  profile: ON_CENTRAL_DISK,
  'profile-output': ON_CENTRAL_DISK,
  'log-file': ON_CENTRAL_DISK,
  'log-dir': ON_CENTRAL_DISK,
  kustomize: ON_CENTRAL_DISK,
  'from-file': ON_CENTRAL_DISK,
  'from-env-file': ON_CENTRAL_DISK,
  'patch-file': ON_CENTRAL_DISK,
  cert: ON_CENTRAL_DISK,
  key: ON_CENTRAL_DISK,
  'output-directory': ON_CENTRAL_DISK,
  edit: 'it opens an editor on central',
  // kubectl sends a --raw path to the server's host as is, past the /k8s/<cluster>/
  // prefix: to central's own API or another cluster, not to this one.
  raw: 'kubectl would send the request to central itself, not through this cluster',
  v: VERBOSE,
  vmodule: VERBOSE,
};

/** A hint for each refused flag whose fix is not "drop it". */
const FLAG_HINTS = {
  filename: 'send the manifest as stdin and pass -f - (kubectl reads it from there)',
  'from-file': 'use --from-literal=KEY=VALUE, or apply a manifest with -f - and stdin',
  'from-env-file': 'use --from-literal=KEY=VALUE, or apply a manifest with -f - and stdin',
  'patch-file': 'pass the patch inline with -p',
  cert: 'apply a kubernetes.io/tls Secret manifest with -f - and stdin',
  key: 'apply a kubernetes.io/tls Secret manifest with -f - and stdin',
  kustomize: 'run `kubectl kustomize` locally and send its output as stdin with -f -',
  output: 'use -o jsonpath=…, go-template=… or custom-columns=… with the template inline',
  tty: 'drop -t: kubectl gets your stdin through -i, without a terminal',
  raw: 'use a resource command (get, create, replace, delete), or --raw with your own kubectl through kgate',
} as const satisfies Readonly<Record<string, string>>;

/** Where a flag's kubeconfig-selecting name is a command's own option instead (`set subject --user`). */
const LOCAL_FLAG_EXCEPTIONS: Readonly<Record<string, readonly string[]>> = {
  user: ['set subject', 'create rolebinding', 'create clusterrolebinding'],
};

/** Global flags that may come before the subcommand: name → takes a value. */
const LEADING_GLOBALS: Readonly<Record<string, boolean>> = {
  namespace: true,
  'request-timeout': true,
  'log-flush-frequency': true,
  'match-server-version': false,
  'warnings-as-errors': false,
  'disable-compression': false,
  help: false,
};

/**
 * Long flags that are booleans in every kubectl 1.33 command that has them (so a word or
 * `--` after them is not their value). `--containers` and `--prefix` are booleans in some
 * commands and take values in others, so they are not here.
 */
const BOOLEAN_FLAGS: ReadonlySet<string> = new Set([
  'all',
  'all-containers',
  'all-namespaces',
  'all-pods',
  'allow-missing-template-keys',
  'append-hash',
  'attach',
  'cached',
  'client',
  'command',
  'create-annotation',
  'delete-emptydir-data',
  'disable-compression',
  'disable-eviction',
  'follow',
  'force',
  'force-conflicts',
  'global-default',
  'help',
  'ignore-daemonsets',
  'ignore-errors',
  'ignore-not-found',
  'insecure-skip-tls-verify',
  'insecure-skip-tls-verify-backend',
  'interactive',
  'leave-stdin-open',
  'list',
  'local',
  'match-server-version',
  'namespaced',
  'no-headers',
  'now',
  'openapi-patch',
  'output-watch-events',
  'overwrite',
  'previous',
  'privileged',
  'prune',
  'quiet',
  'recursive',
  'resolve',
  'rm',
  'save-config',
  'server-print',
  'server-side',
  'show-capacity',
  'show-events',
  'show-kind',
  'show-labels',
  'show-managed-fields',
  'stdin',
  'sum',
  'timestamps',
  'tty',
  'use-protocol-buffers',
  'wait',
  'warnings-as-errors',
  'watch',
  'watch-only',
  'windows-line-endings',
]);

interface Shorthand {
  /** The long name it stands for. */
  name: string;
  takesValue: boolean;
}

/** Short flags as kubectl 1.33 defines them in `command` (the top-level subcommand). */
function shorthand(letter: string, command: string | undefined): Shorthand | undefined {
  switch (letter) {
    case 'n':
      return { name: 'namespace', takesValue: true };
    case 's':
      return { name: 'server', takesValue: true };
    case 'v':
      return { name: 'v', takesValue: true };
    case 'h':
      return { name: 'help', takesValue: false };
    case 'k':
      return { name: 'kustomize', takesValue: true };
    case 'f':
      // `logs -f` follows; everywhere else -f names a file (only `-` is let through, so
      // reading it as a file where kubectl has no -f refuses nothing kubectl would run).
      return command === 'logs'
        ? { name: 'follow', takesValue: false }
        : { name: 'filename', takesValue: true };
    case 'o':
      return { name: 'output', takesValue: true };
    case 'l':
      return { name: 'selector', takesValue: true };
    case 'L':
      return { name: 'label-columns', takesValue: true };
    case 'c':
      return { name: 'container', takesValue: true };
    case 'A':
      return { name: 'all-namespaces', takesValue: false };
    case 'R':
      return { name: 'recursive', takesValue: false };
    case 'w':
      return { name: 'watch', takesValue: false };
    case 'i':
      return { name: 'stdin', takesValue: false };
    case 't':
      return { name: 'tty', takesValue: false };
    case 'q':
      return { name: 'quiet', takesValue: false };
    case 'p':
      if (command === 'patch') return { name: 'patch', takesValue: true };
      if (command === 'logs') return { name: 'previous', takesValue: false };
      return undefined;
    case 'e':
      return command === 'set' ? { name: 'env', takesValue: true } : undefined;
    case 'r':
      return command === 'create' ? { name: 'replicas', takesValue: true } : undefined;
    default:
      return undefined;
  }
}

/** `table[key]` for the table's own keys only (`constructor` is no subcommand). */
function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

const CREATE_SUBCOMMANDS = lookup(SUBCOMMANDS, 'create') ?? {};

function invalid(message: string, hint: string): KgateError {
  return new KgateError('INVALID_ARGUMENT', message, { hint });
}

const ALLOWED_HINT = `central runs: ${[...ALLOWED_SUBCOMMANDS].join(', ')}`;

function refusedFlag(flag: string, name: string, reason: string): KgateError {
  return invalid(
    `kubectl flag ${JSON.stringify(flag)} is not allowed: ${reason}`,
    lookup(FLAG_HINTS, name) ?? `drop ${flag}, or run this with your own kubectl through kgate`,
  );
}

/** Where the word stands: the subcommand path found so far (for per-command readings). */
interface Context {
  /** The top-level subcommand, once known. */
  command: string | undefined;
  /** The certain path, joined by spaces (`set subject`). */
  path: string;
}

/** Why `name` (a long flag name, normalised) is refused here, or undefined. */
function refusalOf(name: string, context: Context): string | undefined {
  if (lookup(LOCAL_FLAG_EXCEPTIONS, name)?.includes(context.path)) return undefined;
  const listed = lookup(REFUSED_FLAGS, name);
  if (listed) return listed;
  if (name.startsWith('as')) return `${AS_YOU}; impersonating someone else is not allowed here`;
  if (name.startsWith('client-')) return AS_YOU;
  if (name.startsWith('log-') && name !== 'log-flush-frequency') return ON_CENTRAL_DISK;
  if (name.includes('file') && name !== 'filename') return ON_CENTRAL_DISK;
  if (name === 'tty' && (context.command === 'exec' || context.command === 'run')) return INTERACTIVE;
  return undefined;
}

/** Checks a flag's value (`-f` only stdin, `-o` no template files). */
function checkValue(flag: string, name: string, value: string): void {
  if (name === 'filename' && value !== '-') {
    throw invalid(
      `kubectl flag ${JSON.stringify(flag)} may only be "-" (stdin): central cannot read files or URLs for you`,
      FLAG_HINTS.filename,
    );
  }
  if (name === 'output') {
    const format = (value.split('=', 1)[0] ?? '').toLowerCase();
    if (format.includes('file')) {
      throw invalid(
        `kubectl flag ${JSON.stringify(flag)} with output format ${JSON.stringify(format)} is not allowed: ${ON_CENTRAL_DISK}`,
        FLAG_HINTS.output,
      );
    }
  }
}

/** A flag whose value may be the next word. */
interface Pending {
  flag: string;
  name: string;
}

/**
 * Checks one word that starts with `-` as a flag (throws if refused); returns the flag
 * when the next word may be its value.
 */
function checkFlag(word: string, context: Context): Pending | undefined {
  if (word.startsWith('--')) {
    const body = word.slice(2);
    const eq = body.indexOf('=');
    const written = eq < 0 ? body : body.slice(0, eq);
    const flag = `--${written}`;
    if (written === '' || written.startsWith('-')) {
      throw invalid(
        `kubectl flag ${JSON.stringify(flag)} is malformed`,
        'write long flags as --name or --name=value',
      );
    }
    const name = written.replaceAll('_', '-');
    const reason = refusalOf(name, context);
    if (reason) throw refusedFlag(flag, name, reason);
    if (eq >= 0) {
      checkValue(flag, name, body.slice(eq + 1));
      return undefined;
    }
    return BOOLEAN_FLAGS.has(name) ? undefined : { flag, name };
  }
  // -abc: letters until one that takes a value, which takes the rest (or the next word).
  const letters = word.slice(1);
  for (let i = 0; i < letters.length; i++) {
    const letter = letters.charAt(i);
    const flag = `-${letter}`;
    const known = shorthand(letter, context.command);
    const rest = letters.slice(i + 1);
    if (known) {
      const reason = refusalOf(known.name, context);
      if (reason) throw refusedFlag(flag, known.name, reason);
    }
    if (rest.startsWith('=') && rest.length > 1) {
      if (known) checkValue(flag, known.name, rest.slice(1));
      return undefined;
    }
    if (known && !known.takesValue) continue;
    if (known) {
      if (rest === '') return { flag, name: known.name };
      checkValue(flag, known.name, rest);
      return undefined;
    }
    // A letter kubectl 1.33 does not have here: read the rest as more letters, and, at
    // the end, the next word as its value, so neither reading lets anything through.
    if (rest === '') return { flag, name: '' };
  }
  return undefined;
}

function isFlag(word: string): boolean {
  return word.length > 1 && word.startsWith('-');
}

/**
 * Finds the subcommand path the way cobra does, allowing only the harmless global flags
 * before each part of it. Returns the path and the index of the top-level subcommand.
 */
function findPath(args: readonly string[]): { path: string[]; at: number } {
  const path: string[] = [];
  let at = -1;
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? '';
    if (isFlag(word) && word !== '--') {
      const leading = leadingGlobal(word);
      if (leading === undefined) {
        if (path.length > 0) break;
        // Refused flags get their own message; any other must follow the subcommand.
        checkFlag(word, { command: undefined, path: '' });
        throw invalid(
          `kubectl flag ${JSON.stringify(flagName(word))} must come after the subcommand`,
          'write the subcommand first, e.g. ["get", "pods", "-o", "wide"]; only -n, --request-timeout and the like may precede it',
        );
      }
      if (leading) i++;
      continue;
    }
    if (word === '--') break;
    if (path.length === 0) {
      at = i;
      path.push(checkSubcommand(word));
      if (!lookup(SUBCOMMANDS, word)) return { path, at };
      continue;
    }
    const names = lookup(SUBCOMMANDS, path.join(' '));
    const next = names && lookup(names, word);
    if (next === undefined) break;
    path.push(next);
    if (!lookup(SUBCOMMANDS, path.join(' '))) break;
  }
  if (at < 0) {
    throw invalid('the command names no kubectl subcommand', `start it with a subcommand: ${ALLOWED_HINT}`);
  }
  return { path, at };
}

/** The flag name a word spells (`--name` or `-x`), without any value. */
function flagName(word: string): string {
  return word.startsWith('--') ? (word.split('=', 1)[0] ?? word) : word.slice(0, 2);
}

/**
 * Whether `word` is a global flag allowed before the subcommand: undefined if not, else
 * whether the next word is its value (cobra's reading: only `--name` and `-x` alone do).
 */
function leadingGlobal(word: string): boolean | undefined {
  if (word.startsWith('--')) {
    const name = (word.slice(2).split('=', 1)[0] ?? '').replaceAll('_', '-');
    const takesValue = lookup(LEADING_GLOBALS, name);
    if (takesValue === undefined) return undefined;
    return takesValue && !word.includes('=');
  }
  if (word === '-h') return false;
  if (word.startsWith('-n')) return word === '-n';
  return undefined;
}

function checkSubcommand(word: string): string {
  if (ALLOWED_SUBCOMMANDS.has(word)) return word;
  const reason = lookup(REFUSED_SUBCOMMANDS, word);
  if (reason) {
    throw invalid(
      `kubectl subcommand ${JSON.stringify(word)} is not allowed: ${reason}`,
      `run it with your own kubectl through kgate (kgate clusters use NAME); ${ALLOWED_HINT}`,
    );
  }
  throw invalid(
    `${JSON.stringify(`kubectl ${word}`)} is a plugin or unknown subcommand: central runs only built-in kubectl commands`,
    ALLOWED_HINT,
  );
}

/** Checks the command's shape: word count, word size, no NUL. */
function checkShape(args: readonly string[]): void {
  if (args.length === 0) {
    throw invalid('command is empty', 'send the kubectl arguments as a list, e.g. ["get", "pods"]');
  }
  if (args.length > MAX_COMMAND_WORDS) {
    throw invalid(
      `command has ${args.length} words; at most ${MAX_COMMAND_WORDS} are allowed`,
      'split the work into several commands',
    );
  }
  args.forEach((word, i) => {
    if (Buffer.byteLength(word) > MAX_WORD_BYTES) {
      throw invalid(
        `command[${i}] is longer than ${MAX_WORD_BYTES} bytes`,
        'send large content as stdin (-f -)',
      );
    }
    if (word.includes('\0')) {
      throw invalid(`command[${i}] contains a NUL character`, 'remove it: no program argument can hold one');
    }
  });
}

/**
 * Vets the arguments of a kubectl command line (without `kubectl` itself): allowed
 * subcommand, no flag that would change who kubectl is, where it connects, or what it
 * reads or writes on central; `-f` only `-`. Words after the `--` separator are the
 * container command of `exec`/`run` and are not vetted.
 *
 * @throws KgateError `INVALID_ARGUMENT` naming the refused subcommand or flag, with a hint.
 */
export function vetKubectlArgs(args: readonly string[]): VettedCommand {
  checkShape(args);
  const { path, at } = findPath(args);
  const command = path[0];
  const context: Context = { command, path: path.join(' ') };
  const nested = command === undefined ? undefined : lookup(REFUSED_NESTED, command);
  let pending: Pending | undefined;
  let firstAfterCommand = true;
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? '';
    const takenBy = pending;
    pending = undefined;
    if (takenBy) checkValue(takenBy.flag, takenBy.name, word);
    if (word === '--') {
      // After a flag that may take a value, `--` is that value for pflag.
      if (takenBy) continue;
      break;
    }
    if (isFlag(word)) {
      pending = checkFlag(word, context);
      if (i > at) firstAfterCommand = false;
      continue;
    }
    if (i <= at) continue;
    const reason = nested && lookup(nested, word);
    if (reason) {
      throw invalid(
        `kubectl subcommand ${JSON.stringify(`${command} ${word}`)} is not allowed: ${reason}`,
        'run it with your own kubectl through kgate (kgate clusters use NAME)',
      );
    }
    // kubectl looks for a `kubectl-create-<word>` plugin when the word after `create` is
    // no built-in one; refused here, as central's kubectl also has no PATH to find it in.
    if (command === 'create' && firstAfterCommand && !takenBy && !lookup(CREATE_SUBCOMMANDS, word)) {
      throw invalid(
        `${JSON.stringify(`kubectl create ${word}`)} is a plugin or unknown subcommand: central runs only built-in kubectl commands`,
        `kubectl create takes -f - or one of: ${Object.keys(CREATE_SUBCOMMANDS).join(', ')}`,
      );
    }
    firstAfterCommand = false;
  }
  return { path };
}
