/**
 * Who a request runs as: bearer tokens, x509 client certificates, OIDC ID tokens,
 * impersonation and RBAC, checked with the real kubectl (what a user reads) and raw
 * requests (the exact Status objects), with the request log proving the identity.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ApiServer, startApiServer } from '@kgate/testkit/apiserver';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { createPki } from '../src/apiserver/tls.ts';
import { kubectl, raw, tempDir } from './apiserver-support.ts';

let server: ApiServer;
let dir: string;
let cleanup: () => Promise<void>;
let kubeconfig: string;
let issuer: http.Server;
let issuerUrl: string;
let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

async function idToken(
  claims: JWTPayload,
  options: { issuer?: string; audience?: string; expiresIn?: string | number } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(options.issuer ?? issuerUrl)
    .setAudience(options.audience ?? 'kgate')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(signingKey);
}

before(async () => {
  ({ dir, cleanup } = await tempDir());
  const keys = await generateKeyPair('RS256');
  signingKey = keys.privateKey;
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  issuer = http.createServer((req, res) => {
    const body =
      req.url === '/.well-known/openid-configuration'
        ? { issuer: issuerUrl, jwks_uri: `${issuerUrl}/jwks` }
        : req.url === '/jwks'
          ? { keys: [jwk] }
          : undefined;
    res.writeHead(body === undefined ? 404 : 200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => issuer.listen(0, '127.0.0.1', resolve));
  issuerUrl = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}`;

  server = await startApiServer({
    tokens: [{ token: 'jane-token', user: 'jane' }],
    oidc: {
      issuerUrl,
      clientId: 'kgate',
      usernameClaim: 'email',
      groupsClaim: 'groups',
      groupsPrefix: 'oidc:',
    },
    rbac: [
      {
        subjects: [{ kind: 'User', name: 'jane' }],
        verbs: ['get', 'list', 'watch'],
        apiGroups: [''],
        resources: ['pods'],
        namespaces: ['default'],
      },
      {
        subjects: [{ kind: 'User', name: 'jane' }],
        verbs: ['impersonate'],
        apiGroups: [''],
        resources: ['users', 'groups'],
        resourceNames: ['bob', 'g'],
      },
      {
        subjects: [{ kind: 'User', name: 'jane' }],
        verbs: ['impersonate'],
        apiGroups: ['authentication.k8s.io'],
        resources: ['userextras/scopes', 'userextras/acme.com/project'],
        resourceNames: ['read', 'p1'],
      },
      {
        subjects: [{ kind: 'Group', name: 'g' }],
        verbs: ['list'],
        apiGroups: [''],
        resources: ['configmaps'],
      },
      {
        subjects: [{ kind: 'Group', name: 'viewers' }],
        verbs: ['list'],
        apiGroups: [''],
        resources: ['namespaces'],
      },
      {
        subjects: [{ kind: 'Group', name: 'oidc:devs' }],
        verbs: ['list'],
        apiGroups: [''],
        resources: ['services'],
      },
    ],
  });
  kubeconfig = path.join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfig, { user: { token: 'jane-token' } });
});

after(async () => {
  await server.close();
  issuer.close();
  await cleanup();
});

const lastRecord = () => server.requests.at(-1);

describe('bearer tokens and RBAC', () => {
  test('a wrong token is refused with 401 and kubectl asks the user to log in', async () => {
    // With discovery not yet cached, kubectl's discovery client words the 401 itself (as against a real cluster).
    const cold = await kubectl('1.33', kubeconfig, ['--token', 'wrong', 'get', 'pods']);
    assert.equal(cold.code, 1);
    assert.match(
      cold.stderr,
      /^error: You must be logged in to the server \(the server has asked for the client to provide credentials\)$/m,
    );
    // Once discovery is cached, kubectl prints the server's Status message.
    assert.equal((await kubectl('1.33', kubeconfig, ['get', 'pods'])).code, 0);
    const run = await kubectl('1.33', kubeconfig, ['--token', 'wrong', 'get', 'pods']);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'error: You must be logged in to the server (Unauthorized)\n');
    const res = await raw(server, { path: '/api/v1/namespaces/default/pods', token: 'wrong' });
    assert.equal(res.status, 401);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  test('a request without credentials is refused with 401', async () => {
    const res = await raw(server, { path: '/version', token: null });
    assert.equal(res.status, 401);
  });

  test('an allowed user reads pods in her namespace', async () => {
    server.store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    const run = await kubectl('1.33', kubeconfig, ['get', 'pods', '-o', 'name']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'pod/p\n');
    assert.equal(lastRecord()?.user, 'jane');
    assert.deepEqual(lastRecord()?.groups, ['system:authenticated']);
  });

  test('an RBAC-denied request gets 403 with the real message, at cluster scope and in a namespace', async () => {
    const run = await kubectl('1.33', kubeconfig, ['get', 'pods', '-A']);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      'Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" at the cluster scope\n',
    );
    const old = await kubectl('1.27', kubeconfig, ['get', 'deploy', '-n', 'kube-system']);
    assert.equal(
      old.stderr,
      'Error from server (Forbidden): deployments.apps is forbidden: User "jane" cannot list resource "deployments" in API group "apps" in the namespace "kube-system"\n',
    );
    const res = await raw(server, { path: '/api/v1/namespaces/kube-system/pods/x', token: 'jane-token' });
    assert.equal(res.status, 403);
    assert.deepEqual(res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'pods "x" is forbidden: User "jane" cannot get resource "pods" in API group "" in the namespace "kube-system"',
      reason: 'Forbidden',
      details: { name: 'x', kind: 'pods' },
      code: 403,
    });
    const path403 = await raw(server, { path: '/metrics', token: 'jane-token' });
    assert.equal(
      (path403.json() as { message: string }).message,
      'forbidden: User "jane" cannot get path "/metrics"',
    );
  });

  test('discovery and /version are open to every authenticated user', async () => {
    const res = await raw(server, { path: '/version', token: 'jane-token' });
    assert.equal(res.status, 200);
    assert.equal((res.json() as { gitVersion: string }).gitVersion, 'v1.33.1');
    assert.equal((await raw(server, { path: '/apis/apps/v1', token: 'jane-token' })).status, 200);
  });
});

describe('impersonation', () => {
  test('jane acting as bob in group g lists configmaps, and the log says so', async () => {
    for (const version of ['1.33', '1.27'] as const) {
      const run = await kubectl(version, kubeconfig, [
        '--as',
        'bob',
        '--as-group',
        'g',
        'get',
        'configmaps',
        '-A',
      ]);
      assert.equal(run.code, 0, run.stderr);
      const record = server.requests.findLast((r) => r.resource === 'configmaps');
      assert.equal(record?.user, 'bob');
      assert.deepEqual(record?.groups, ['g', 'system:authenticated']);
      assert.equal(record?.impersonatedBy, 'jane');
    }
  });

  test('kubectl auth whoami shows the user a request runs as, impersonation included', async () => {
    for (const version of ['1.33', '1.27'] as const) {
      const self = await kubectl(version, kubeconfig, ['auth', 'whoami', '-o', 'json']);
      assert.equal(self.code, 0, self.stderr);
      assert.deepEqual((JSON.parse(self.stdout) as { status: unknown }).status, {
        userInfo: { username: 'jane', groups: ['system:authenticated'] },
      });
      const bob = await kubectl(version, kubeconfig, ['auth', 'whoami', '--as', 'bob', '--as-group', 'g']);
      assert.equal(bob.code, 0, bob.stderr);
      assert.match(bob.stdout, /^Username\s+bob$/m);
      assert.match(bob.stdout, /^Groups\s+\[g system:authenticated\]$/m);
    }
  });

  test('kubectl auth can-i answers from the RBAC rules', async () => {
    for (const version of ['1.33', '1.27'] as const) {
      const yes = await kubectl(version, kubeconfig, ['auth', 'can-i', 'list', 'pods']);
      assert.deepEqual([yes.code, yes.stdout], [0, 'yes\n']);
      const no = await kubectl(version, kubeconfig, ['auth', 'can-i', 'list', 'pods', '-A']);
      assert.deepEqual([no.code, no.stdout], [1, 'no\n']);
      const impersonate = await kubectl(version, kubeconfig, ['auth', 'can-i', 'impersonate', 'users/bob']);
      assert.deepEqual([impersonate.code, impersonate.stdout], [0, 'yes\n']);
    }
  });

  test('impersonating a user jane may not impersonate is forbidden', async () => {
    const run = await kubectl('1.33', kubeconfig, ['--as', 'alice', 'get', 'pods']);
    assert.equal(
      run.stderr,
      'Error from server (Forbidden): users "alice" is forbidden: User "jane" cannot impersonate resource "users" in API group "" at the cluster scope\n',
    );
    const group = await kubectl('1.33', kubeconfig, ['--as', 'bob', '--as-group', 'admins', 'get', 'pods']);
    assert.match(
      group.stderr,
      /groups "admins" is forbidden: User "jane" cannot impersonate resource "groups" in API group ""/,
    );
  });

  test('groups without a user are a 400', async () => {
    const res = await raw(server, {
      path: '/api/v1/namespaces',
      token: 'jane-token',
      headers: { 'Impersonate-Group': 'g' },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'requested [{Group  g    }] without impersonating a user',
      reason: 'BadRequest',
      code: 400,
    });
  });

  test('extra values need impersonate on userextras/<key>, with the key percent-decoded', async () => {
    const allowed = await raw(server, {
      path: '/api/v1/configmaps',
      token: 'jane-token',
      headers: {
        'Impersonate-User': 'bob',
        'Impersonate-Group': 'g',
        'Impersonate-Extra-Scopes': 'read',
        'Impersonate-Extra-acme.com%2fproject': 'p1',
      },
    });
    assert.equal(allowed.status, 200, allowed.text);
    const denied = await raw(server, {
      path: '/api/v1/configmaps',
      token: 'jane-token',
      headers: { 'Impersonate-User': 'bob', 'Impersonate-Extra-Scopes': 'write' },
    });
    assert.equal(denied.status, 403);
    assert.equal(
      (denied.json() as { message: string }).message,
      'userextras.authentication.k8s.io "write" is forbidden: User "jane" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope',
    );
  });

  test('Impersonate-Uid needs impersonate on uids', async () => {
    const res = await raw(server, {
      path: '/api/v1/configmaps',
      token: 'jane-token',
      headers: { 'Impersonate-User': 'bob', 'Impersonate-Uid': 'u-1' },
    });
    assert.equal(res.status, 403);
    assert.match(
      (res.json() as { message: string }).message,
      /^uids.authentication.k8s.io "u-1" is forbidden/,
    );
  });
});

describe('x509 client certificates', () => {
  test('the certificate CN is the user and O the groups', async () => {
    const cert = await server.issueClientCertificate('carol', ['viewers']);
    const file = path.join(dir, 'cert-kubeconfig');
    await server.writeKubeconfig(file, { user: cert });
    for (const version of ['1.33', '1.27'] as const) {
      const run = await kubectl(version, file, ['get', 'namespaces', '-o', 'name']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^namespace\/default$/m);
      const record = lastRecord();
      assert.equal(record?.user, 'carol');
      assert.deepEqual(record?.groups, ['viewers', 'system:authenticated']);
    }
  });

  test('a certificate from another CA is not accepted', async () => {
    const stranger = await (await createPki()).issueClientCertificate('mallory', ['system:masters']);
    const res = await raw(server, { path: '/api/v1/namespaces', token: null, cert: stranger });
    assert.equal(res.status, 401);
  });
});

describe('OIDC ID tokens', () => {
  test('a valid ID token authenticates the email claim with prefixed groups', async () => {
    const token = await idToken({
      sub: 'u1',
      email: 'ann@example.com',
      email_verified: true,
      groups: ['devs'],
    });
    const run = await kubectl('1.33', kubeconfig, ['--token', token, 'get', 'services', '-A']);
    assert.equal(run.code, 0, run.stderr);
    const record = lastRecord();
    assert.equal(record?.user, 'ann@example.com');
    assert.deepEqual(record?.groups, ['oidc:devs', 'system:authenticated']);
  });

  test('wrong audience, wrong issuer, expiry and an unverified email are all 401', async () => {
    const claims = { sub: 'u1', email: 'ann@example.com', email_verified: true };
    const bad = [
      await idToken(claims, { audience: 'someone-else' }),
      await idToken(claims, { issuer: 'https://evil.example' }),
      await idToken(claims, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
      await idToken({ ...claims, email_verified: false }),
    ];
    for (const token of bad) {
      const res = await raw(server, { path: '/api/v1/services', token });
      assert.equal(res.status, 401);
    }
    const run = await kubectl('1.33', kubeconfig, ['--token', bad[0] ?? '', 'get', 'services']);
    assert.match(run.stderr, /You must be logged in to the server \(Unauthorized\)/);
  });

  test('with the sub claim, usernames get the issuer# prefix unless it is disabled', async () => {
    const token = await idToken({ sub: 'u42' });
    for (const [prefix, expected] of [
      [undefined, `${issuerUrl}#u42`],
      ['-', 'u42'],
      ['oidc:', 'oidc:u42'],
    ] as const) {
      const other = await startApiServer(
        prefix === undefined
          ? { oidc: { issuerUrl, clientId: 'kgate' } }
          : { oidc: { issuerUrl, clientId: 'kgate', usernamePrefix: prefix } },
      );
      try {
        const res = await raw(other, { path: '/version', token });
        assert.equal(res.status, 200);
        assert.equal(other.requests.at(-1)?.user, expected);
      } finally {
        await other.close();
      }
    }
  });
});
