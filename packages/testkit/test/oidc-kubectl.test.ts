/**
 * The OIDC provider fixture and the Kubernetes API fixture together, as kgate's OIDC
 * login uses them: an ID token from a real login at the provider is a user of the API
 * server configured with the provider as its `--oidc-issuer-url`, for real kubectl.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type ApiServer, startApiServer } from '@kgate/testkit/apiserver';
import { type OidcProvider, startOidcProvider } from '@kgate/testkit/oidc';
import * as client from 'openid-client';
import { kubectl, raw, tempDir } from './apiserver-support.ts';

let idp: OidcProvider;
let api: ApiServer;
let dir: string;
let cleanup: () => Promise<void>;

before(async () => {
  ({ dir, cleanup } = await tempDir());
  idp = await startOidcProvider({
    clients: [
      { clientId: 'kubectl', redirectUris: ['http://127.0.0.1/'] },
      { clientId: 'other', redirectUris: ['http://127.0.0.1/'] },
    ],
    users: [
      { sub: 'ann', email: 'ann@example.com', groups: ['devs'], password: 'ann-pw' },
      { sub: 'bob', email: 'bob@example.com', emailVerified: false, password: 'bob-pw' },
    ],
  });
  api = await startApiServer({
    oidc: {
      issuerUrl: idp.issuer,
      clientId: 'kubectl',
      usernameClaim: 'email',
      groupsClaim: 'groups',
      groupsPrefix: 'oidc:',
      caPem: idp.caPem,
    },
    rbac: [
      {
        subjects: [{ kind: 'Group', name: 'oidc:devs' }],
        verbs: ['list'],
        apiGroups: [''],
        resources: ['pods'],
      },
    ],
  });
});

after(async () => {
  await api.close();
  await idp.close();
  await cleanup();
});

/** The ID token of a device-flow login of `username` through `clientId`. */
async function idTokenOf(username: string, password: string, clientId = 'kubectl'): Promise<string> {
  const config = await client.discovery(new URL(idp.issuer), clientId, undefined, client.None(), {
    [client.customFetch]: idp.fetch,
  });
  const started = await client.initiateDeviceAuthorization(config, { scope: 'openid email groups' });
  const polling = client.pollDeviceAuthorizationGrant(config, started);
  await idp.completeDeviceLogin(started.verification_uri_complete ?? '', { username, password });
  return (await polling).id_token ?? assert.fail('no ID token');
}

test('kubectl with the ID token of a real login acts as the email user with the groups claim', async () => {
  const kubeconfig = path.join(dir, 'ann.kubeconfig');
  await api.writeKubeconfig(kubeconfig, { user: { token: await idTokenOf('ann', 'ann-pw') } });
  const run = await kubectl('1.33', kubeconfig, ['get', 'pods', '-A']);
  assert.equal(run.code, 0, run.stderr);
  const record = api.requests.at(-1);
  assert.equal(record?.user, 'ann@example.com');
  assert.deepEqual(record?.groups, ['oidc:devs', 'system:authenticated']);
});

test('ID tokens the API server must refuse are 401: unverified email, another audience, forged', async () => {
  const refused = [
    await idTokenOf('bob', 'bob-pw'),
    await idTokenOf('ann', 'ann-pw', 'other'),
    await idp.mintIdToken({ sub: 'ann' }, { wrongKey: true }),
    await idp.mintIdToken({ sub: 'ann', exp: Math.floor(Date.now() / 1000) - 60 }),
  ];
  for (const token of refused) {
    const res = await raw(api, { path: '/api/v1/pods', token });
    assert.equal(res.status, 401, res.text);
  }
  // The same minted token with nothing wrong is accepted: the refusals above are for their flaw.
  const good = await raw(api, { path: '/api/v1/pods', token: await idp.mintIdToken({ sub: 'ann' }) });
  assert.equal(good.status, 200, good.text);
});
