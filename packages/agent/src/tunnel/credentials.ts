/**
 * The agent's identity towards central: an ECDSA P-256 key made here (it never leaves the
 * agent) and the short-lived client certificate central's CA signed for it, with when to
 * renew it. Kept in memory, or also in a file (`--state-dir`) so that a restarted agent
 * reconnects without its join token while the certificate is valid.
 */
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { KgateError } from '@kgate/core/errors';
import { createCertificateRequest } from '@kgate/core/pki';
import type { AgentCertificate } from './proto.ts';

/** A client certificate of the agent with its private key, and when it expires and is renewed (this agent's clock). */
export interface AgentCredentials {
  certificatePem: string;
  /** PKCS#8 PEM. Never logged, never sent. */
  privateKeyPem: string;
  /** Central's CA that signed {@link certificatePem}. */
  caCertificatePem: string;
  expiresAt: Date;
  renewAt: Date;
}

/** A certificate request and the new key it was made with. */
export interface CertificateRequest {
  csrPem: string;
  keyPem: string;
}

/**
 * A new key pair and a CSR for it. Central ignores the subject (the certificate names the
 * cluster the join token or the current certificate proved), so the CSR names no one.
 */
export function newCertificateRequest(): Promise<CertificateRequest> {
  return createCertificateRequest({ commonName: 'kgate-agent', keyAlgorithm: 'ecdsa-p256' });
}

/** Renewal falls uniformly in this share of the lifetime: 2/3 with jitter, so agents started together spread out. */
export const renewalWindow = { from: 0.6, to: 0.7 } as const;

/**
 * Checks what central issued for `request` and makes the credentials of it: the
 * certificate must be for this key and signed by the CA that came with it. Lifetime is
 * counted from `receivedAt` on this agent's clock with central's `validForMs`, so a
 * skewed clock does not move the renewal.
 *
 * @throws KgateError `PKI_INVALID` when the certificate is not for the key or not signed by the CA.
 */
export function acceptCertificate(
  issued: AgentCertificate | undefined,
  request: CertificateRequest,
  receivedAt: Date,
  random: () => number = Math.random,
): AgentCredentials {
  if (issued === undefined || issued.certificatePem === '')
    throw new KgateError('PKI_INVALID', 'central sent no client certificate', {
      hint: 'central must be as new as this agent (mutual TLS for agents)',
    });
  let certificate: X509Certificate;
  let ca: X509Certificate;
  try {
    certificate = new X509Certificate(issued.certificatePem);
    ca = new X509Certificate(issued.caCertificatePem);
  } catch (cause) {
    throw new KgateError('PKI_INVALID', 'central sent a client certificate or CA that is not valid PEM', {
      hint: 'check what answers on central’s agent port',
      cause,
    });
  }
  if (!certificate.checkPrivateKey(createPrivateKey(request.keyPem)))
    throw new KgateError('PKI_INVALID', 'the certificate central sent is not for the key the agent made', {
      hint: 'check what answers on central’s agent port',
    });
  if (!certificate.verify(ca.publicKey))
    throw new KgateError('PKI_INVALID', 'the certificate central sent is not signed by the CA it sent', {
      hint: 'check what answers on central’s agent port',
    });
  const lifetimeMs =
    issued.validForMs > 0n
      ? Number(issued.validForMs)
      : Math.max(0, Date.parse(certificate.validTo) - receivedAt.getTime());
  const share = renewalWindow.from + (renewalWindow.to - renewalWindow.from) * random();
  return {
    certificatePem: issued.certificatePem,
    privateKeyPem: request.keyPem,
    caCertificatePem: issued.caCertificatePem,
    expiresAt: new Date(receivedAt.getTime() + lifetimeMs),
    renewAt: new Date(receivedAt.getTime() + Math.floor(lifetimeMs * share)),
  };
}

/** Where the agent keeps its credentials besides memory (`--state-dir`). */
export interface CredentialStore {
  /** What was saved last, if it is there and usable; `problem` says what is wrong otherwise. */
  load(): Promise<{ credentials?: AgentCredentials; problem?: string }>;
  save(credentials: AgentCredentials): Promise<void>;
  /** Where, for logs. */
  readonly where: string;
}

/** The file {@link fileCredentialStore} keeps in the state dir. */
export const credentialsFileName = 'agent-credentials.json';

interface CredentialsFile {
  version: 1;
  centralUrl: string;
  clusterName: string;
  certificate: string;
  privateKey: string;
  caCertificate: string;
  expiresAt: string;
  renewAt: string;
}

/**
 * Credentials in `<dir>/agent-credentials.json` (mode 0600, the directory 0700), written
 * atomically (a new file, flushed, renamed over the old one): a crash leaves the old file
 * or the new one, never half of one. The file is only used for the same central URL and
 * cluster name.
 */
export function fileCredentialStore(
  dir: string,
  owner: { centralUrl: string; clusterName: string },
): CredentialStore {
  const file = path.join(dir, credentialsFileName);
  return {
    where: file,
    async load() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
        return { problem: `cannot read ${file}: ${(error as Error).message}` };
      }
      let parsed: Partial<CredentialsFile>;
      try {
        parsed = JSON.parse(text) as Partial<CredentialsFile>;
      } catch {
        return { problem: `${file} is not JSON` };
      }
      if (parsed.centralUrl !== owner.centralUrl || parsed.clusterName !== owner.clusterName)
        return {
          problem: `${file} is for another central or cluster (${parsed.centralUrl} ${parsed.clusterName})`,
        };
      const expiresAt = new Date(parsed.expiresAt ?? '');
      const renewAt = new Date(parsed.renewAt ?? '');
      if (
        typeof parsed.certificate !== 'string' ||
        typeof parsed.privateKey !== 'string' ||
        typeof parsed.caCertificate !== 'string' ||
        Number.isNaN(expiresAt.getTime()) ||
        Number.isNaN(renewAt.getTime())
      )
        return { problem: `${file} is incomplete` };
      return {
        credentials: {
          certificatePem: parsed.certificate,
          privateKeyPem: parsed.privateKey,
          caCertificatePem: parsed.caCertificate,
          expiresAt,
          renewAt,
        },
      };
    },
    async save(credentials) {
      const content: CredentialsFile = {
        version: 1,
        centralUrl: owner.centralUrl,
        clusterName: owner.clusterName,
        certificate: credentials.certificatePem,
        privateKey: credentials.privateKeyPem,
        caCertificate: credentials.caCertificatePem,
        expiresAt: credentials.expiresAt.toISOString(),
        renewAt: credentials.renewAt.toISOString(),
      };
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
      } catch (cause) {
        throw new KgateError('CONFIG_INVALID', `cannot create the state dir ${dir}`, {
          hint: 'give --state-dir a directory the agent may write',
          cause,
        });
      }
      const temporary = path.join(dir, `.${credentialsFileName}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        const handle = await open(temporary, 'wx', 0o600);
        try {
          await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temporary, file);
      } catch (cause) {
        await rm(temporary, { force: true }).catch(() => {});
        throw new KgateError('CONFIG_INVALID', `cannot write ${file}: ${(cause as Error).message}`, {
          hint: 'give --state-dir a directory the agent may write',
          cause,
        });
      }
    },
  };
}
