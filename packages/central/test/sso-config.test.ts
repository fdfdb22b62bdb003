/** `auth.oidc`: how single sign-on is configured, from the file and from KGATE_* variables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveCentralConfig } from '@kgate/central';
import { isKgateError } from '@kgate/core/errors';

const home = '/home/someone';

function refused(input: { env?: Record<string, string>; text?: string }): string {
  try {
    resolveCentralConfig({
      env: input.env ?? {},
      flags: {},
      home,
      cwd: '/etc/kgate',
      file: input.text === undefined ? undefined : { path: 'central.yaml', text: input.text },
    });
  } catch (error) {
    assert.ok(isKgateError(error, 'CONFIG_INVALID'), String(error));
    return error.message;
  }
  assert.fail('expected CONFIG_INVALID');
}

test('without auth.oidc there is no single sign-on and password login stays on', () => {
  const config = resolveCentralConfig({ env: {}, flags: {}, home });
  assert.equal(config.auth.oidc, undefined);
  assert.equal(config.auth.passwordLogin, true);
});

test('auth.oidc from the file: defaults for the claims, group names with dots kept whole, CA path resolved', () => {
  const config = resolveCentralConfig({
    env: {},
    flags: {},
    home,
    cwd: '/',
    file: {
      path: '/etc/kgate/central.yaml',
      text: [
        'auth:',
        '  password_login: false',
        '  oidc:',
        '    issuer_url: https://sso.example.com/realms/acme',
        '    client_id: kgate',
        '    certificate_authority: sso-ca.pem',
        '    extra_scopes: [groups]',
        '    role_mapping:',
        '      platform.team: [admin]',
        '      /acme/devs: [developer, viewer]',
      ].join('\n'),
    },
  });
  const oidc = config.auth.oidc;
  assert.ok(oidc);
  assert.equal(config.auth.passwordLogin, false);
  assert.equal(oidc.issuerUrl, 'https://sso.example.com/realms/acme');
  assert.equal(oidc.clientId, 'kgate');
  assert.equal(oidc.clientSecret, undefined);
  assert.equal(oidc.certificateAuthority, '/etc/kgate/sso-ca.pem');
  assert.equal(oidc.usernameClaim, 'email');
  assert.equal(oidc.groupsClaim, 'groups');
  assert.deepEqual(oidc.extraScopes, ['groups']);
  assert.deepEqual(
    oidc.roleMapping,
    new Map([
      ['platform.team', ['admin']],
      ['/acme/devs', ['developer', 'viewer']],
    ]),
  );
  assert.deepEqual(oidc.defaultRoles, []);
});

test('every auth.oidc key can come from KGATE_AUTH_OIDC_* variables, the role mapping as JSON', () => {
  const config = resolveCentralConfig({
    env: {
      KGATE_AUTH_OIDC_ISSUER_URL: 'https://accounts.example.com/',
      KGATE_AUTH_OIDC_CLIENT_ID: 'kgate-cli',
      KGATE_AUTH_OIDC_CLIENT_SECRET: 'unused-secret',
      KGATE_AUTH_OIDC_CERTIFICATE_AUTHORITY: 'ca.pem',
      KGATE_AUTH_OIDC_USERNAME_CLAIM: 'preferred_username',
      KGATE_AUTH_OIDC_GROUPS_CLAIM: 'roles',
      KGATE_AUTH_OIDC_EXTRA_SCOPES: 'groups, offline_access',
      KGATE_AUTH_OIDC_ROLE_MAPPING: '{"ops":["admin","ops"]}',
      KGATE_AUTH_OIDC_DEFAULT_ROLES: 'viewer',
    },
    flags: {},
    home,
    cwd: '/srv',
    file: { path: 'central.yaml', text: 'auth:\n  oidc:\n    role_mapping:\n      dev: [viewer]\n' },
  });
  assert.deepEqual(config.auth.oidc, {
    // Kept as written: the issuer is compared with the token's iss character for character.
    issuerUrl: 'https://accounts.example.com/',
    clientId: 'kgate-cli',
    clientSecret: 'unused-secret',
    certificateAuthority: '/srv/ca.pem',
    usernameClaim: 'preferred_username',
    groupsClaim: 'roles',
    extraScopes: ['groups', 'offline_access'],
    // The variable replaces the file's mapping whole.
    roleMapping: new Map([['ops', ['admin', 'ops']]]),
    defaultRoles: ['viewer'],
  });
});

test('a bad auth.oidc setting is refused naming the key, and the client secret is never shown', () => {
  assert.match(
    refused({
      env: { KGATE_AUTH_OIDC_ISSUER_URL: 'http://sso.example.com', KGATE_AUTH_OIDC_CLIENT_ID: 'k' },
    }),
    /KGATE_AUTH_OIDC_ISSUER_URL: auth\.oidc\.issuer_url "http:\/\/sso\.example\.com": expected an https:\/\/ issuer URL/,
  );
  assert.match(
    refused({ env: { KGATE_AUTH_OIDC_ISSUER_URL: 'https://sso.example.com' } }),
    /auth\.oidc\.client_id: required/,
  );
  assert.match(
    refused({
      env: {
        KGATE_AUTH_OIDC_ISSUER_URL: 'https://sso.example.com',
        KGATE_AUTH_OIDC_CLIENT_ID: 'k',
        KGATE_AUTH_OIDC_ROLE_MAPPING: 'admins=admin',
      },
    }),
    /KGATE_AUTH_OIDC_ROLE_MAPPING: auth\.oidc\.role_mapping "admins=admin": expected a mapping of IdP group to role names/,
  );
  const secret = refused({
    text: 'auth:\n  oidc:\n    issuer_url: https://sso.example.com\n    client_id: k\n    client_secret: [s3cr3t-value]\n',
  });
  assert.match(secret, /auth\.oidc\.client_secret: /);
  assert.doesNotMatch(secret, /s3cr3t-value/);
  assert.match(
    refused({
      text: 'auth:\n  oidc:\n    issuer_url: https://sso.example.com\n    client_id: k\n    scopes: [x]\n',
    }),
    /auth\.oidc\.scopes: unknown setting/,
  );
});
