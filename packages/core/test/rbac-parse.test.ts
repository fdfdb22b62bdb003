/**
 * The roles YAML an admin writes for `kgate admin roles apply`: what it means once read,
 * what is refused (and how the refusal points at the mistake), and the canonical YAML that
 * `kgate admin roles list -o yaml` prints and `apply` takes back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import {
  parseRolesDocument,
  type RolesDocument,
  RolesInvalidError,
  stringifyRolesDocument,
  validateRolesDocument,
} from '@kgate/core/rbac';

const DESIGN = `roles:
  - name: developer              # comment
    description: Day-to-day work in dev clusters
    rules:
      - clusters: ["dev-*"]
        namespaces: ["*"]
        api_groups: ["", "apps"]
        resources: ["pods", "deployments", "pods/log"]
        verbs: ["get", "list", "watch", "logs", "exec"]
    deny:
      - clusters: ["*"]
        resources: ["secrets"]
        verbs: ["*"]
  - name: admin
    rules:
      - clusters: ["*"]
        resources: ["*"]
        verbs: ["*"]
users:
  - username: dev@example.com
    roles: [developer]
`;

const all = { namespaces: ['*'], api_groups: ['*'] };

test('the design example reads as written, with left-out lists meaning all', () => {
  const want: RolesDocument = {
    roles: [
      {
        name: 'developer',
        description: 'Day-to-day work in dev clusters',
        rules: [
          {
            clusters: ['dev-*'],
            namespaces: ['*'],
            api_groups: ['', 'apps'],
            resources: ['pods', 'deployments', 'pods/log'],
            verbs: ['get', 'list', 'watch', 'logs', 'exec'],
          },
        ],
        deny: [{ clusters: ['*'], ...all, resources: ['secrets'], verbs: ['*'] }],
      },
      { name: 'admin', rules: [{ clusters: ['*'], ...all, resources: ['*'], verbs: ['*'] }], deny: [] },
    ],
    users: [{ username: 'dev@example.com', roles: ['developer'] }],
  };
  assert.deepEqual(parseRolesDocument(DESIGN), want);
});

test('a deny-only role, a document without users and an empty roles list are fine', () => {
  const doc = parseRolesDocument(
    'roles:\n  - name: no-secrets\n    deny: [{ clusters: ["*"], resources: [secrets], verbs: ["*"] }]\n',
  );
  assert.deepEqual(doc, {
    roles: [
      {
        name: 'no-secrets',
        rules: [],
        deny: [{ clusters: ['*'], ...all, resources: ['secrets'], verbs: ['*'] }],
      },
    ],
    users: [],
  });
  assert.deepEqual(parseRolesDocument('roles: []\n'), { roles: [], users: [] });
});

test('a user may be given a role the document does not define (central checks its own store)', () => {
  const doc = parseRolesDocument(
    'roles: []\nusers:\n  - username: ops@example.com\n    roles: [platform:admin]\n',
  );
  assert.deepEqual(doc.users, [{ username: 'ops@example.com', roles: ['platform:admin'] }]);
});

test('a namespace called no is a name, not false (YAML 1.2)', () => {
  const doc = parseRolesDocument(
    'roles: [{ name: r, rules: [{ clusters: [on], namespaces: [no, off], resources: [pods], verbs: [get] }] }]',
  );
  assert.deepEqual(doc.roles[0]?.rules[0]?.namespaces, ['no', 'off']);
  assert.deepEqual(doc.roles[0]?.rules[0]?.clusters, ['on']);
});

function problemsOf(text: string): string[] {
  try {
    parseRolesDocument(text);
  } catch (error) {
    assert.ok(error instanceof RolesInvalidError, String(error));
    assert.ok(isKgateError(error, 'INVALID_ARGUMENT'));
    assert.ok(error.user && error.hint, 'a refusal carries a hint');
    return error.problems.map((p) => p.message);
  }
  assert.fail('the document was accepted');
}

/** One role with one rule whose fields are `rule` (YAML flow mapping entries). */
function oneRule(rule: string, name = 'developer'): string {
  return `roles:\n  - name: ${name}\n    rules:\n      - { ${rule} }\n`;
}
const OK_RULE = 'clusters: ["*"], resources: [pods], verbs: [get]';

const refusals: Array<{ what: string; yaml: string; problems: string[] }> = [
  {
    what: 'a misspelt verb, with the known verbs listed',
    yaml: oneRule('clusters: ["*"], resources: [pods], verbs: [get, list, gett]'),
    problems: [
      'role "developer": rules[0].verbs[2]: unknown verb "gett" (known: get, list, watch, create, update, patch, delete, deletecollection, proxy, impersonate, bind, escalate, use, approve, sign, *, logs, exec, portforward)',
    ],
  },
  {
    what: 'an upper-case verb',
    yaml: oneRule('clusters: ["*"], resources: [pods], verbs: [GET]'),
    problems: [
      'role "developer": rules[0].verbs[0]: unknown verb "GET" (known: get, list, watch, create, update, patch, delete, deletecollection, proxy, impersonate, bind, escalate, use, approve, sign, *, logs, exec, portforward)',
    ],
  },
  {
    what: 'empty verbs, resources and clusters',
    yaml: oneRule('clusters: [], resources: [], verbs: []'),
    problems: [
      'role "developer": rules[0]: clusters is empty',
      'role "developer": rules[0]: resources is empty',
      'role "developer": rules[0]: verbs is empty',
    ],
  },
  {
    what: 'missing verbs, resources and clusters',
    yaml: oneRule('namespaces: [a]'),
    problems: [
      'role "developer": rules[0]: clusters is missing',
      'role "developer": rules[0]: resources is missing',
      'role "developer": rules[0]: verbs is missing',
    ],
  },
  {
    what: 'an empty namespaces list (leaving it out means all)',
    yaml: oneRule(`${OK_RULE}, namespaces: []`),
    problems: ['role "developer": rules[0]: namespaces is empty'],
  },
  {
    what: 'globs with characters no cluster or namespace name can hold',
    yaml: oneRule('clusters: ["Dev_*"], namespaces: ["team a", ""], resources: [pods], verbs: [get]'),
    problems: [
      'role "developer": rules[0].clusters[0]: "Dev_*" holds "D", "_", which no name here can hold',
      'role "developer": rules[0].namespaces[0]: "team a" holds " ", which no name here can hold',
      'role "developer": rules[0].namespaces[1]: the empty string matches nothing',
    ],
  },
  {
    what: 'a double star, which would match requests without a namespace by accident',
    yaml: oneRule(`${OK_RULE}, namespaces: ["team-**"]`),
    problems: ['role "developer": rules[0].namespaces[0]: "team-**" holds "**"'],
  },
  {
    what: 'an API group with a slash (a group/version)',
    yaml: oneRule(`${OK_RULE}, api_groups: ["", "apps/v1"]`),
    problems: ['role "developer": rules[0].api_groups[1]: "apps/v1" holds "/", which no name here can hold'],
  },
  {
    what: 'resource patterns Kubernetes RBAC would not match',
    yaml: oneRule(
      'clusters: ["*"], verbs: [get], resources: ["deployments.apps", "po*", "*/*", "pods/log/x", Pods]',
    ),
    problems: [
      'role "developer": rules[0].resources[0]: "deployments.apps" names an API group',
      'role "developer": rules[0].resources[1]: "po*" has a partial wildcard',
      'role "developer": rules[0].resources[2]: "*/*" matches nothing in Kubernetes RBAC',
      'role "developer": rules[0].resources[3]: "pods/log/x" has more than one "/"',
      'role "developer": rules[0].resources[4]: "Pods" is not a resource name',
    ],
  },
  {
    what: 'unknown fields at every level',
    yaml: `roles:
  - name: developer
    rulez: []
    rules:
      - { ${OK_RULE}, apiGroups: [apps] }
users:
  - { username: a@example.com, roles: [], role: [x] }
version: 2
`,
    problems: [
      'role "developer": unknown field "rulez"',
      'role "developer": rules[0]: unknown field "apiGroups"',
      'user "a@example.com": unknown field "role"',
      'unknown field "version"',
    ],
  },
  {
    what: 'a value of the wrong type',
    yaml: oneRule('clusters: "*", resources: [pods], verbs: [get, 5]'),
    problems: [
      'role "developer": rules[0].clusters: expected a list of strings, got a string ("*")',
      'role "developer": rules[0].verbs[1]: expected a string, got a number (5)',
    ],
  },
  {
    what: 'two roles with one name',
    yaml: `roles:\n  - { name: dev, rules: [{ ${OK_RULE} }] }\n  - { name: dev, rules: [{ ${OK_RULE} }] }\n`,
    problems: ['roles[1]: name "dev" duplicates roles[0]'],
  },
  {
    what: 'two entries for one user',
    yaml: 'roles: []\nusers:\n  - { username: a@example.com, roles: [x] }\n  - { username: a@example.com, roles: [y] }\n',
    problems: ['users[1]: username "a@example.com" duplicates users[0]'],
  },
  {
    what: 'invalid role names and usernames',
    yaml: `roles:\n  - { name: Dev Team, rules: [{ ${OK_RULE} }] }\n  - { rules: [{ ${OK_RULE} }] }\nusers:\n  - { username: Dev@Example.com, roles: [dev, dev, "Not A Role"] }\n`,
    problems: [
      'role "Dev Team": name: "Dev Team" is not a valid role name',
      'roles[1]: name is missing',
      'user "Dev@Example.com": username: "Dev@Example.com" is not a valid username',
      'user "Dev@Example.com": roles[1]: "dev" is listed twice',
      'user "Dev@Example.com": roles[2]: "Not A Role" is not a valid role name',
    ],
  },
  {
    what: 'a role that allows and denies nothing',
    yaml: 'roles:\n  - name: empty\n    description: nothing yet\n',
    problems: ['role "empty": has no rules and no deny rules'],
  },
  {
    what: 'a document that is a list',
    yaml: '- name: developer\n',
    problems: ['the document is a list, not a mapping with roles and users'],
  },
  {
    what: 'an empty document',
    yaml: '',
    problems: ['the document is empty, not a mapping with roles and users'],
  },
  {
    what: 'a document without roles',
    yaml: 'users: []\n',
    problems: ['roles is missing'],
  },
];

for (const { what, yaml, problems } of refusals) {
  test(`a roles file with ${what} is refused, naming the role and the field`, () => {
    assert.deepEqual(problemsOf(yaml), problems);
  });
}

test('the message names the file and the line of each problem, in file order, joined with "; "', () => {
  const text = `roles:
  - name: developer
    rules:
      - clusters: ["dev-*"]
        resources: [pods]
        verbs: [get, list, gett]
      - clusters: []
        resources: [pods]
        verbs: [get]
`;
  assert.throws(
    () => parseRolesDocument(text, { source: 'roles.yaml' }),
    (error: unknown) => {
      assert.ok(error instanceof RolesInvalidError);
      assert.equal(
        error.message,
        'roles.yaml:6: role "developer": rules[0].verbs[2]: unknown verb "gett" (known: get, list, watch, create, update, patch, delete, deletecollection, proxy, impersonate, bind, escalate, use, approve, sign, *, logs, exec, portforward); ' +
          'roles.yaml:7: role "developer": rules[1]: clusters is empty',
      );
      assert.deepEqual(
        error.problems.map((p) => p.line),
        [6, 7],
      );
      assert.match(error.hint ?? '', /^fix each of the 2 problems; the first: write "get"$/);
      return true;
    },
  );
});

test('one problem carries its own hint on how to fix it', () => {
  const hintOf = (yaml: string) => {
    try {
      parseRolesDocument(yaml);
    } catch (error) {
      return error instanceof RolesInvalidError ? error.hint : undefined;
    }
    return undefined;
  };
  assert.equal(hintOf(oneRule('clusters: ["*"], resources: [pods], verbs: [gett]')), 'write "get"');
  assert.equal(hintOf(oneRule(`${OK_RULE}, apiGroups: [apps]`)), 'did you mean api_groups?');
  assert.equal(
    hintOf(oneRule('clusters: ["*"], resources: ["deployments.apps"], verbs: [get]')),
    'write the resource alone ("deployments") and its group in api_groups',
  );
  assert.equal(
    hintOf(oneRule('clusters: ["*"], resources: [pods], verbs: [get], namespaces: [""]')),
    'remove it, or write * for all namespaces',
  );
});

test('a YAML syntax error names its line and column', () => {
  assert.throws(
    () => parseRolesDocument('roles:\n  - name: x\n    rules: [\n', { source: 'roles.yaml' }),
    (error: unknown) =>
      isKgateError(error, 'INVALID_ARGUMENT') &&
      /^roles\.yaml: invalid YAML at line \d+, column \d+: /.test(error.message),
  );
  assert.throws(() => parseRolesDocument('roles: []\nroles: []\n'), {
    message: /^invalid YAML at line 2, column 1: Map keys must be unique/,
  });
});

test('more than ten problems are all kept, and the message says how many more there are', () => {
  const verbs = Array.from({ length: 12 }, (_, i) => `bad${i}`).join(', ');
  assert.throws(
    () => parseRolesDocument(oneRule(`clusters: ["*"], resources: [pods], verbs: [${verbs}]`)),
    (error: unknown) =>
      error instanceof RolesInvalidError &&
      error.problems.length === 12 &&
      error.message.endsWith('; and 2 more'),
  );
});

test('a document read from JSON is checked the same, without lines', () => {
  const body = {
    roles: [
      {
        name: 'developer',
        rules: [{ clusters: ['*'], resources: ['pods'], verbs: ['get', 'gett'] }],
      },
    ],
  };
  assert.throws(
    () => validateRolesDocument(body, { source: 'GET /roles' }),
    (error: unknown) =>
      error instanceof RolesInvalidError &&
      error.message.startsWith('GET /roles: role "developer": rules[0].verbs[1]: unknown verb "gett"') &&
      error.problems[0]?.line === undefined,
  );
  assert.deepEqual(validateRolesDocument({ roles: [] }), { roles: [], users: [] });
});

test('list -o yaml prints the canonical layout: documented key order, defaults written out', () => {
  assert.equal(
    stringifyRolesDocument(parseRolesDocument(DESIGN)),
    `roles:
  - name: developer
    description: Day-to-day work in dev clusters
    rules:
      - clusters: ["dev-*"]
        namespaces: ["*"]
        api_groups: ["", "apps"]
        resources: ["pods", "deployments", "pods/log"]
        verbs: ["get", "list", "watch", "logs", "exec"]
    deny:
      - clusters: ["*"]
        namespaces: ["*"]
        api_groups: ["*"]
        resources: ["secrets"]
        verbs: ["*"]
  - name: admin
    rules:
      - clusters: ["*"]
        namespaces: ["*"]
        api_groups: ["*"]
        resources: ["*"]
        verbs: ["*"]
users:
  - username: dev@example.com
    roles: [developer]
`,
  );
});

test('what list -o yaml prints, apply reads back unchanged, however the keys were ordered', () => {
  const tricky: RolesDocument = {
    roles: [
      {
        deny: [
          {
            verbs: ['exec'],
            resources: ['*/scale'],
            api_groups: [''],
            namespaces: ['no', '?ff'],
            clusters: ['*'],
          },
        ],
        rules: [],
        description: 'Multi-line: "quoted"\nand # not a comment\n',
        name: 'ns:viewer',
      },
      {
        name: '1',
        rules: [
          {
            clusters: ['on'],
            namespaces: ['*'],
            api_groups: ['*.k8s.io'],
            resources: ['pods/*'],
            verbs: ['*'],
          },
        ],
        deny: [],
      },
    ],
    users: [{ roles: ['1', 'ns:viewer', 'true'], username: 'x@example.com' }],
  };
  const text = stringifyRolesDocument(tricky);
  const back = parseRolesDocument(text);
  assert.deepEqual(back, {
    roles: [
      {
        name: 'ns:viewer',
        description: 'Multi-line: "quoted"\nand # not a comment\n',
        rules: [],
        deny: [
          {
            clusters: ['*'],
            namespaces: ['no', '?ff'],
            api_groups: [''],
            resources: ['*/scale'],
            verbs: ['exec'],
          },
        ],
      },
      tricky.roles[1],
    ],
    users: [{ username: 'x@example.com', roles: ['1', 'ns:viewer', 'true'] }],
  });
  assert.equal(stringifyRolesDocument(back), text);
  assert.ok(text.indexOf('name: ns:viewer') < text.indexOf('description:'), text);
});

test('list -o yaml leaves users out when there are none', () => {
  assert.equal(stringifyRolesDocument({ roles: [] }), 'roles: []\n');
  assert.equal(stringifyRolesDocument({ roles: [], users: [] }), 'roles: []\n');
});
