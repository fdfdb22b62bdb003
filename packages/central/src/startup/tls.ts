import { readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { KgateError } from '@kgate/core/errors';
import {
  type CertificateAndKey,
  type CertificateAuthority,
  createCertificateAuthority,
  issueServerCertificate,
  parseCertificate,
} from '@kgate/core/pki';
import type { CentralConfig } from '../config/index.ts';

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Loads `ca.crt` + `ca.key` from the data dir, or creates them on first start (the key
 * with mode 0600). Refuses to start when only one of the two exists rather than
 * replacing a CA that agents and users already trust.
 */
export async function loadOrCreateCa(
  dataDir: string,
): Promise<{ ca: CertificateAuthority; caFile: string; created: boolean }> {
  const caFile = path.join(dataDir, 'ca.crt');
  const keyFile = path.join(dataDir, 'ca.key');
  const [certPem, keyPem] = await Promise.all([readIfExists(caFile), readIfExists(keyFile)]);
  if (certPem !== undefined && keyPem !== undefined) {
    if (!parseCertificate(certPem).isCa) {
      throw new KgateError('CONFIG_INVALID', `${caFile} is not a CA certificate`, {
        hint: 'restore the CA files, or move both away to create a new CA (agents must then re-join)',
      });
    }
    return { ca: { certPem, keyPem }, caFile, created: false };
  }
  if (certPem !== undefined || keyPem !== undefined) {
    throw new KgateError(
      'CONFIG_INVALID',
      `${certPem === undefined ? caFile : keyFile} is missing but its pair exists`,
      {
        hint: 'restore the missing file, or move both away to create a new CA (agents must then re-join)',
      },
    );
  }
  const ca = await createCertificateAuthority({ commonName: 'kgate-central CA' });
  await writeFile(keyFile, ca.keyPem, { mode: 0o600, flag: 'wx' });
  await writeFile(caFile, ca.certPem, { mode: 0o644, flag: 'wx' });
  return { ca, caFile, created: true };
}

const DNS_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** The names central answers to: loopback, this host, the listen addresses, the public URLs' hosts. */
export function servingNames(
  config: CentralConfig,
  hostname: string,
): { dnsNames: string[]; ipAddresses: string[] } {
  const dns = new Set(['localhost']);
  const ips = new Set(['127.0.0.1', '::1']);
  const add = (host: string | undefined) => {
    if (!host) return;
    const bare = host.replace(/^\[|\]$/g, '');
    if (isIP(bare) !== 0) {
      if (bare !== '0.0.0.0' && bare !== '::') ips.add(bare);
    } else if (DNS_NAME.test(bare)) dns.add(bare.toLowerCase());
  };
  add(hostname);
  add(config.server.listen.host);
  add(config.server.agentListen.host);
  if (config.server.publicUrl) add(new URL(config.server.publicUrl).hostname);
  if (config.server.agentPublicUrl) add(new URL(config.server.agentPublicUrl).hostname);
  return { dnsNames: [...dns], ipAddresses: [...ips] };
}

/**
 * The serving certificate: the operator's (`tls.cert_file`/`key_file`) if configured,
 * else one issued by central's CA at each start, so a new host name or public URL is
 * picked up by a restart.
 */
export async function servingCertificate(
  config: CentralConfig,
  ca: CertificateAuthority,
  hostname: string,
): Promise<CertificateAndKey> {
  if (config.tls) {
    const { certFile, keyFile } = config.tls;
    const read = async (file: string, key: string) => {
      try {
        return await readFile(file, 'utf8');
      } catch (cause) {
        throw new KgateError(
          'CONFIG_INVALID',
          `${key} ${file}: cannot read (${(cause as NodeJS.ErrnoException).code})`,
          {
            hint: 'check the path and its permissions',
            cause,
          },
        );
      }
    };
    const certPem = await read(certFile, 'tls.cert_file');
    parseCertificate(certPem);
    return { certPem, keyPem: await read(keyFile, 'tls.key_file') };
  }
  return issueServerCertificate(ca, { commonName: 'kgate-central', ...servingNames(config, hostname) });
}
