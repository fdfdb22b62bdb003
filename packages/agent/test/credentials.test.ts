/**
 * The agent's own key and certificate: it accepts only a certificate for the key it made,
 * signed by the CA that came with it; it renews at 60–70 % of the lifetime counted on its
 * own clock; and a state dir keeps them in a 0600 file that only the same central and
 * cluster reuse.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { isKgateError } from '@kgate/core/errors';
import { createCertificateAuthority, signCertificateRequest } from '@kgate/core/pki';
import {
  acceptCertificate,
  type CertificateRequest,
  credentialsFileName,
  fileCredentialStore,
  newCertificateRequest,
} from '../src/tunnel/credentials.ts';
import { AgentCertificateSchema } from '../src/tunnel/proto.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kgate-agent-credentials-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ca = await createCertificateAuthority({ commonName: 'central CA' });
const owner = { centralUrl: 'https://central.example:8444', clusterName: 'prod' };

async function issued(request: CertificateRequest, signer = ca, validForMs = 600_000) {
  const certificatePem = await signCertificateRequest(signer, request.csrPem, {
    usage: 'client',
    subject: { commonName: 'prod', organizations: ['kgate:agents', 'kgate:cluster:id-1'] },
    validityDays: validForMs / 86_400_000,
  });
  return create(AgentCertificateSchema, {
    certificatePem,
    caCertificatePem: ca.certPem,
    validForMs: BigInt(validForMs),
  });
}

describe('agent credentials', () => {
  test('a certificate for the agent’s key renews at 60–70 % of its lifetime, counted from receipt', async () => {
    const request = await newCertificateRequest();
    const at = new Date('2030-01-01T00:00:00Z');
    const early = acceptCertificate(await issued(request), request, at, () => 0);
    assert.equal(early.expiresAt.toISOString(), '2030-01-01T00:10:00.000Z');
    assert.equal(early.renewAt.toISOString(), '2030-01-01T00:06:00.000Z');
    const late = acceptCertificate(await issued(request), request, at, () => 0.999_999);
    assert.equal(late.renewAt.getTime(), at.getTime() + 420_000 - 1);
    assert.equal(early.privateKeyPem, request.keyPem);
  });

  test('a certificate for another key, or not signed by the CA sent with it, is refused', async () => {
    const mine = await newCertificateRequest();
    const other = await newCertificateRequest();
    assert.throws(
      () => acceptCertificate(undefined, mine, new Date()),
      (error) => isKgateError(error, 'PKI_INVALID') && /sent no client certificate/.test(error.message),
    );
    const forOther = await issued(other);
    assert.throws(() => acceptCertificate(forOther, mine, new Date()), /not for the key the agent made/);
    const stranger = await createCertificateAuthority({ commonName: 'stranger' });
    const wrongCa = await issued(mine, stranger);
    assert.throws(() => acceptCertificate(wrongCa, mine, new Date()), /not signed by the CA it sent/);
  });

  test('a state dir keeps them in a 0600 file, written whole, and only the same central and cluster reuse it', async () => {
    const stateDir = path.join(dir, 'state');
    const store = fileCredentialStore(stateDir, owner);
    assert.deepEqual(await store.load(), {}, 'nothing saved yet');
    const request = await newCertificateRequest();
    const credentials = acceptCertificate(await issued(request), request, new Date());
    await store.save(credentials);
    await store.save(credentials);
    const file = path.join(stateDir, credentialsFileName);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(stateDir)).mode & 0o777, 0o700);
    assert.deepEqual(await readdir(stateDir), [credentialsFileName], 'no temporary file left behind');
    assert.deepEqual((await store.load()).credentials, credentials);

    const elsewhere = await fileCredentialStore(stateDir, { ...owner, clusterName: 'staging' }).load();
    assert.equal(elsewhere.credentials, undefined);
    assert.match(elsewhere.problem ?? '', /for another central or cluster/);

    await writeFile(file, (await readFile(file, 'utf8')).slice(0, 100));
    const broken = await store.load();
    assert.equal(broken.credentials, undefined);
    assert.match(broken.problem ?? '', /is not JSON/);
  });
});
