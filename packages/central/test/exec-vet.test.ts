/**
 * Which kubectl command lines `POST /clusters/{name}/exec` runs: every refused flag in
 * every spelling kubectl's flag parser accepts, every refused subcommand, and the
 * everyday command lines that must keep working.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import { MAX_COMMAND_WORDS, MAX_WORD_BYTES, vetKubectlArgs } from '../src/exec/vet.ts';

/** The message of the INVALID_ARGUMENT `args` is refused with (fails if it is let through). */
function refusal(args: string[]): string {
  try {
    vetKubectlArgs(args);
  } catch (error) {
    assert.ok(isKgateError(error, 'INVALID_ARGUMENT'), String(error));
    assert.ok(error.hint, `a hint for ${JSON.stringify(args)}`);
    return error.message;
  }
  assert.fail(`${JSON.stringify(args)} was let through`);
}

describe('command lines central runs', () => {
  const allowed: Array<[string[], string[]]> = [
    [['get', 'pods', '-n', 'default'], ['get']],
    [['get', 'configmaps', '-o', 'name'], ['get']],
    [['-n', 'kube-system', 'get', 'pods'], ['get']],
    [['--namespace=team-a', 'get', 'pods'], ['get']],
    [['-nteam-a', '--request-timeout', '5s', 'get', 'pods'], ['get']],
    [['get', 'pods', '-nkube-system'], ['get']],
    [['get', 'pods', '-lapp=svc,tier=dev'], ['get']],
    [['get', 'pods', '-Aw'], ['get']],
    [['get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}'], ['get']],
    [['get', 'pods', '-ojsonpath={..kind}'], ['get']],
    [['get', 'pods', '-o=custom-columns=NAME:.metadata.name'], ['get']],
    [['get', 'pods', '-o', 'go-template', '--template={{.kind}}'], ['get']],
    [['get', 'pods', '-R', '-f', '-'], ['get']],
    [['apply', '-f', '-'], ['apply']],
    [['apply', '-f-'], ['apply']],
    [['apply', '-f=-'], ['apply']],
    [['apply', '--filename=-', '--server-side'], ['apply']],
    [['apply', '--filename', '-', '--dry-run=server'], ['apply']],
    [
      ['apply', 'view-last-applied', 'deploy/web'],
      ['apply', 'view-last-applied'],
    ],
    [['create', '-f', '-'], ['create']],
    [
      ['create', 'configmap', 'x', '--from-literal=a=b'],
      ['create', 'configmap'],
    ],
    [
      ['create', 'cm', 'x', '--from-literal=a=b'],
      ['create', 'configmap'],
    ],
    [
      ['create', 'secret', 'generic', 's', '--from-literal=k=v'],
      ['create', 'secret', 'generic'],
    ],
    [
      ['create', 'deployment', 'web', '--image=nginx', '-r', '2'],
      ['create', 'deployment'],
    ],
    [
      ['create', 'token', 'default', '--duration=10m'],
      ['create', 'token'],
    ],
    [
      ['create', 'rolebinding', 'rb', '--clusterrole=view', '--user', 'alice'],
      ['create', 'rolebinding'],
    ],
    [
      ['set', 'subject', 'rolebinding', 'rb', '--user=alice'],
      ['set', 'subject'],
    ],
    [
      ['set', 'env', 'deploy/web', '-e', 'A=b', '--containers=web'],
      ['set', 'env'],
    ],
    [['exec', '-i', 'web', '--', 'sh', '-c', 'kubectl --kubeconfig=/x --token=y -s z'], ['exec']],
    [['exec', 'web', '-c', 'main', '--', 'cat', '-f', '/etc/hosts'], ['exec']],
    [['run', 'x', '--image=busybox', '-i', '--rm', '--restart=Never', '--', 'sh', '-v'], ['run']],
    [['logs', '-f', 'web'], ['logs']],
    [['logs', '-fp', '-c', 'main', 'web', '--tail=10'], ['logs']],
    [['logs', '--insecure-skip-tls-verify-backend', 'web'], ['logs']],
    [['patch', 'deploy', 'web', '-p', '{"spec":{"serviceAccountName":"svc"}}'], ['patch']],
    [['patch', 'deploy', 'web', '-p{"spec":{"serviceAccountName":"svc"}}'], ['patch']],
    [['describe', 'pod', 'web'], ['describe']],
    [['delete', 'pod', 'web', '--wait=false'], ['delete']],
    [['replace', '-f', '-'], ['replace']],
    [['label', 'pod', 'web', 'a=b', '--overwrite'], ['label']],
    [['annotate', 'pod', 'web', 'a=b'], ['annotate']],
    [['scale', 'deploy/web', '--replicas=2'], ['scale']],
    [
      ['rollout', 'status', 'deploy/web', '-w'],
      ['rollout', 'status'],
    ],
    [
      ['rollout', 'restart', 'deploy/web'],
      ['rollout', 'restart'],
    ],
    [['expose', 'deploy', 'web', '--port=80', '--cluster-ip=None'], ['expose']],
    [
      ['top', 'pods', '-A'],
      ['top', 'pod'],
    ],
    [
      ['auth', 'can-i', 'get', 'pods'],
      ['auth', 'can-i'],
    ],
    [
      ['auth', '-n', 'team-a', 'can-i', 'list', 'pods', '-q'],
      ['auth', 'can-i'],
    ],
    [
      ['auth', 'whoami', '-o', 'json'],
      ['auth', 'whoami'],
    ],
    [['api-resources', '-o', 'wide'], ['api-resources']],
    [['api-versions'], ['api-versions']],
    [['version', '--client'], ['version']],
    [['wait', '--for=condition=Ready', 'pod/web', '--timeout=30s'], ['wait']],
    [['events', '-A'], ['events']],
    [['explain', 'pods', '--recursive'], ['explain']],
    [['cluster-info'], ['cluster-info']],
    [['cordon', 'node-1'], ['cordon']],
    [['uncordon', 'node-1'], ['uncordon']],
    [['drain', 'node-1', '--ignore-daemonsets', '--delete-emptydir-data'], ['drain']],
    [['taint', 'nodes', 'node-1', 'k=v:NoSchedule'], ['taint']],
    [['get', 'pods', '-h'], ['get']],
  ];
  for (const [args, path] of allowed) {
    test(`kubectl ${args.join(' ')} runs`, () => {
      assert.deepEqual(vetKubectlArgs(args).path, path);
    });
  }
});

describe('flags that would change who kubectl is, where it connects or what it reads', () => {
  /** [spelled flag the message names, command lines with it]. */
  const refused: Array<[string, string[][]]> = [
    [
      '--kubeconfig',
      [
        ['get', 'pods', '--kubeconfig', '/etc/kubeconfig'],
        ['get', 'pods', '--kubeconfig=/etc/kubeconfig'],
        ['--kubeconfig=/etc/kubeconfig', 'get', 'pods'],
        ['--kubeconfig', '/etc/kubeconfig', 'get', 'pods'],
      ],
    ],
    [
      '--server',
      [
        ['get', 'pods', '--server', 'https://elsewhere'],
        ['get', 'pods', '--server=https://elsewhere'],
      ],
    ],
    [
      '-s',
      [
        ['get', 'pods', '-s', 'https://elsewhere'],
        ['get', 'pods', '-shttps://elsewhere'],
        ['get', 'pods', '-s=https://elsewhere'],
        ['get', 'pods', '-As', 'https://elsewhere'],
        ['get', 'pods', '-wAshttps://elsewhere'],
        ['-s', 'https://elsewhere', 'get', 'pods'],
        ['logs', '-ps', 'https://elsewhere', 'web'],
        ['exec', '-is', 'https://elsewhere', 'web', '--', 'sh'],
      ],
    ],
    [
      '--token',
      [
        ['get', 'pods', '--token', 'abc'],
        ['get', 'pods', '--token=abc'],
      ],
    ],
    [
      '--as',
      [
        ['get', 'pods', '--as', 'root'],
        ['get', 'pods', '--as=root'],
        ['--as=root', 'get', 'pods'],
      ],
    ],
    [
      '--as-group',
      [
        ['get', 'pods', '--as-group', 'system:masters'],
        ['get', 'pods', '--as-group=x'],
      ],
    ],
    ['--as_group', [['get', 'pods', '--as_group=system:masters']]],
    [
      '--as-uid',
      [
        ['get', 'pods', '--as-uid=1'],
        ['get', 'pods', '--as-uid', '1'],
      ],
    ],
    ['--as-user-extra', [['get', 'pods', '--as-user-extra=a=b']]],
    [
      '--context',
      [
        ['get', 'pods', '--context', 'other'],
        ['get', 'pods', '--context=other'],
      ],
    ],
    [
      '--cluster',
      [
        ['get', 'pods', '--cluster', 'other'],
        ['get', 'pods', '--cluster=other'],
      ],
    ],
    [
      '--user',
      [
        ['get', 'pods', '--user', 'other'],
        ['get', 'pods', '--user=other'],
      ],
    ],
    [
      '--username',
      [
        ['get', 'pods', '--username', 'a'],
        ['get', 'pods', '--username=a'],
      ],
    ],
    [
      '--password',
      [
        ['get', 'pods', '--password', 'a'],
        ['get', 'pods', '--password=a'],
      ],
    ],
    [
      '--certificate-authority',
      [
        ['get', 'pods', '--certificate-authority', '/ca'],
        ['get', 'pods', '--certificate-authority=/ca'],
      ],
    ],
    [
      '--client-certificate',
      [
        ['get', 'pods', '--client-certificate', '/c'],
        ['get', 'pods', '--client-certificate=/c'],
      ],
    ],
    [
      '--client-key',
      [
        ['get', 'pods', '--client-key', '/k'],
        ['get', 'pods', '--client-key=/k'],
      ],
    ],
    ['--client_key', [['get', 'pods', '--client_key=/k']]],
    [
      '--insecure-skip-tls-verify',
      [
        ['get', 'pods', '--insecure-skip-tls-verify'],
        ['get', 'pods', '--insecure-skip-tls-verify=true'],
        ['--insecure-skip-tls-verify', 'get', 'pods'],
      ],
    ],
    ['--insecure_skip_tls_verify', [['get', 'pods', '--insecure_skip_tls_verify']]],
    [
      '--tls-server-name',
      [
        ['get', 'pods', '--tls-server-name', 'x'],
        ['get', 'pods', '--tls-server-name=x'],
      ],
    ],
    [
      '--cache-dir',
      [
        ['get', 'pods', '--cache-dir', '/tmp/c'],
        ['get', 'pods', '--cache-dir=/tmp/c'],
      ],
    ],
    [
      '--profile',
      [
        ['get', 'pods', '--profile', 'cpu'],
        ['get', 'pods', '--profile=cpu'],
      ],
    ],
    [
      '--profile-output',
      [
        ['get', 'pods', '--profile-output', '/p'],
        ['get', 'pods', '--profile-output=/p'],
      ],
    ],
    [
      '--log-file',
      [
        ['get', 'pods', '--log-file', '/l'],
        ['get', 'pods', '--log-file=/l'],
      ],
    ],
    [
      '--log-dir',
      [
        ['get', 'pods', '--log-dir', '/l'],
        ['get', 'pods', '--log-dir=/l'],
      ],
    ],
    ['--log-file-max-size', [['get', 'pods', '--log-file-max-size=1']]],
    [
      '--kustomize',
      [
        ['apply', '--kustomize', 'dir'],
        ['apply', '--kustomize=dir'],
      ],
    ],
    [
      '-k',
      [
        ['apply', '-k', 'dir'],
        ['apply', '-kdir'],
        ['apply', '-k=dir'],
        ['apply', '-Rk', 'dir'],
      ],
    ],
    [
      '--filename',
      [
        ['apply', '--filename', 'app.yaml'],
        ['apply', '--filename=app.yaml'],
        ['apply', '--filename', 'https://example.com/app.yaml'],
        ['apply', '--filename=/dev/stdin'],
      ],
    ],
    [
      '-f',
      [
        ['apply', '-f', 'app.yaml'],
        ['apply', '-fapp.yaml'],
        ['apply', '-f=app.yaml'],
        ['apply', '-R', '-f', 'manifests/'],
        ['apply', '-Rf', 'manifests/'],
        ['apply', '-f', './-'],
        ['apply', '-f', '--'],
        ['exec', '-f', 'pod.yaml', '--', 'sh'],
      ],
    ],
    [
      '-o',
      [
        ['get', 'pods', '-o', 'jsonpath-file=/etc/passwd'],
        ['get', 'pods', '-ojsonpath-file=/etc/passwd'],
        ['get', 'pods', '-o=go-template-file=/etc/passwd'],
        ['get', 'pods', '-o', 'custom-columns-file=/etc/passwd'],
        ['get', 'pods', '-o', 'templatefile', '--template=/etc/passwd'],
        ['get', 'pods', '-o', 'JSONPATH-FILE=/etc/passwd'],
      ],
    ],
    [
      '--output',
      [
        ['get', 'pods', '--output=go-template-file=/etc/passwd'],
        ['get', 'pods', '--output', 'jsonpath-file', '--template', '/etc/passwd'],
      ],
    ],
    [
      '-v',
      [
        ['get', 'pods', '-v', '9'],
        ['get', 'pods', '-v=9'],
        ['get', 'pods', '-v9'],
        ['get', 'pods', '-Av9'],
      ],
    ],
    [
      '--v',
      [
        ['get', 'pods', '--v=9'],
        ['get', 'pods', '--v', '9'],
      ],
    ],
    [
      '--vmodule',
      [
        ['get', 'pods', '--vmodule=round_trippers=9'],
        ['get', 'pods', '--vmodule', 'x=9'],
      ],
    ],
    [
      '--from-file',
      [
        ['create', 'configmap', 'x', '--from-file=/etc/passwd'],
        ['create', 'cm', 'x', '--from-file', 'k=/etc/passwd'],
      ],
    ],
    ['--from-env-file', [['create', 'secret', 'generic', 's', '--from-env-file=/etc/environment']]],
    ['--patch-file', [['patch', 'deploy', 'web', '--patch-file', '/p.yaml']]],
    ['--cert', [['create', 'secret', 'tls', 't', '--cert=/tls.crt', '--key=/tls.key']]],
    ['--key', [['create', 'secret', 'tls', 't', '--key', '/tls.key']]],
    ['--edit', [['create', '-f', '-', '--edit']]],
    ['--kuberc', [['get', 'pods', '--kuberc=/k']]],
    [
      '--raw',
      [
        ['get', '--raw', '/k8s/other-cluster/api/v1/secrets'],
        ['create', '--raw=/clusters/dev/exec', '-f', '-'],
      ],
    ],
    ['--output-directory', [['get', 'pods', '--output-directory=/tmp/out']]],
    [
      '-t',
      [
        ['exec', '-it', 'web', '--', 'sh'],
        ['exec', '-t', 'web', '--', 'sh'],
        ['run', 'x', '--image=y', '-ti'],
      ],
    ],
    [
      '--tty',
      [
        ['exec', '--tty', '-i', 'web', '--', 'sh'],
        ['run', 'x', '--image=y', '--tty'],
      ],
    ],
  ];
  for (const [flag, lines] of refused) {
    test(`${flag} is refused, named in the message, in each spelling`, () => {
      for (const args of lines) {
        const message = refusal(args);
        assert.ok(message.includes(`"${flag}"`), `${JSON.stringify(args)}: ${message}`);
      }
    });
  }

  test('the message says why: kubectl runs as the caller, or would touch central’s disk', () => {
    assert.equal(
      refusal(['get', 'pods', '--kubeconfig=/x']),
      'kubectl flag "--kubeconfig" is not allowed: central runs kubectl against the cluster as you',
    );
    assert.match(refusal(['apply', '-f', 'x.yaml']), /^kubectl flag "-f" may only be "-" \(stdin\)/);
    assert.match(refusal(['apply', '-k', 'dir']), /files on central's disk/);
  });

  test('a flag hidden behind a `--` that kubectl reads as a value is still found', () => {
    // pflag takes the `--` as the selector's value and goes on reading flags.
    assert.match(refusal(['get', 'pods', '-l', '--', '--kubeconfig=/x']), /"--kubeconfig"/);
    assert.match(refusal(['get', 'pods', '--selector', '--', '--token=x']), /"--token"/);
    assert.match(refusal(['get', 'pods', '-n', '--', '-s', 'x']), /"-s"/);
    // Flags unknown here may take a value too.
    assert.match(refusal(['get', 'pods', '--no-such-flag', '--', '--token=x']), /"--token"/);
    assert.match(refusal(['get', 'pods', '-X', '--', '-s', 'x']), /"-s"/);
    assert.match(refusal(['get', 'pods', '-Xs', 'x']), /"-s"/);
  });

  test('--user selects a kubeconfig user except where it is the subject of a binding', () => {
    assert.match(refusal(['set', '--user=x', 'subject', 'rolebinding', 'rb']), /"--user"/);
    assert.match(refusal(['create', '--dry-run=client', 'rolebinding', 'rb', '--user=a']), /"--user"/);
    assert.match(refusal(['create', 'role', 'r', '--user=a']), /"--user"/);
  });

  test('a malformed long flag is refused rather than guessed at', () => {
    assert.match(refusal(['get', 'pods', '---kubeconfig=/x']), /"---kubeconfig" is malformed/);
  });
});

describe('subcommands central does not run', () => {
  const refusedByName = [
    'config',
    'edit',
    'proxy',
    'port-forward',
    'attach',
    'cp',
    'debug',
    'kustomize',
    'plugin',
    'completion',
    'alpha',
    'certificate',
    'diff',
    'autoscale',
    'options',
    'help',
  ];
  for (const name of refusedByName) {
    test(`kubectl ${name} is refused by name`, () => {
      assert.match(refusal([name, 'x']), new RegExp(`^kubectl subcommand "${name}" is not allowed: `));
    });
  }

  test('a plugin or unknown subcommand is refused as such', () => {
    assert.equal(
      refusal(['foo', 'bar']),
      '"kubectl foo" is a plugin or unknown subcommand: central runs only built-in kubectl commands',
    );
    assert.match(refusal(['GET', 'pods']), /"kubectl GET" is a plugin or unknown subcommand/);
    assert.match(refusal(['clusterinfo']), /"kubectl clusterinfo" is a plugin/);
    assert.match(refusal(['', 'pods']), /"kubectl " is a plugin/);
    assert.match(refusal(['constructor']), /"kubectl constructor" is a plugin/);
    assert.match(refusal(['create', 'foo', 'x']), /"kubectl create foo" is a plugin or unknown subcommand/);
  });

  test('nested subcommands that write files, open editors or reconcile RBAC are refused', () => {
    assert.match(refusal(['cluster-info', 'dump']), /"cluster-info dump" is not allowed/);
    assert.match(refusal(['cluster-info', '--match-server-version', 'dump']), /"cluster-info dump"/);
    assert.match(refusal(['auth', 'reconcile', '-f', '-']), /"auth reconcile" is not allowed/);
    assert.match(refusal(['auth', '-n', 'x', 'reconcile', '-f', '-']), /"auth reconcile"/);
    assert.match(refusal(['apply', 'edit-last-applied', 'deploy/web']), /"apply edit-last-applied"/);
  });

  test('only harmless global flags may come before the subcommand', () => {
    assert.match(refusal(['-o', 'yaml', 'get', 'pods']), /"-o" must come after the subcommand/);
    assert.match(refusal(['--all-namespaces', 'get', 'pods']), /"--all-namespaces" must come after/);
  });

  test('a command without a subcommand is refused', () => {
    assert.match(refusal(['-n', 'default']), /names no kubectl subcommand/);
    assert.match(refusal(['--', 'get', 'pods']), /names no kubectl subcommand/);
  });
});

describe('the shape of the command', () => {
  test('an empty command, too many words, a huge word or a NUL are refused', () => {
    assert.match(refusal([]), /command is empty/);
    assert.match(refusal(['get', ...Array.from({ length: MAX_COMMAND_WORDS }, () => 'x')]), /257 words/);
    assert.match(refusal(['get', 'x'.repeat(MAX_WORD_BYTES + 1)]), /command\[1\] is longer than 8192 bytes/);
    assert.match(refusal(['get', 'po\0ds']), /command\[1\] contains a NUL/);
  });
});
