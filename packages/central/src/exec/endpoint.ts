/**
 * Where central's own kubectl (`POST /clusters/{name}/exec`) reaches the `/k8s/` proxy:
 * central's HTTPS listener, dialled from central itself, and the certificate to trust.
 */
import { isIP } from 'node:net';
import { parseCertificate } from '@kgate/core/pki';

/** How to reach central's HTTPS listener from central itself. */
export interface ProxyEndpoint {
  /** `https://127.0.0.1:8443`, no trailing slash. */
  readonly url: string;
  /** PEM certificate(s) kubectl trusts for it. */
  readonly caPem: string;
  /** The name to check the certificate against when it is not the URL's host (`tls-server-name`). */
  readonly serverName?: string;
}

/** Inputs of {@link internalProxyEndpoint}. */
export interface InternalProxyEndpointInput {
  /** `server.listen`'s host; a wildcard address is reached on loopback. */
  listenHost: string;
  /** The port central listens on (the real one). */
  port: number;
  /** Central's CA when it issued the serving certificate itself; undefined for an operator's certificate. */
  ownCaPem: string | undefined;
  /** The serving certificate (and chain) central presents. */
  servingCertPem: string;
  /** `server.public_url`, if set. */
  publicUrl: string | undefined;
}

function loopbackFor(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/**
 * The endpoint for central's own listener. With its own CA, the serving certificate names
 * loopback and the listen address, so the CA is enough. An operator's certificate
 * (`tls.cert_file`) is signed by a CA central does not know and may name only the public
 * host: kubectl then trusts that very certificate (Go accepts a root pool holding the
 * leaf) and checks it against a name it holds.
 */
export function internalProxyEndpoint(input: InternalProxyEndpointInput): ProxyEndpoint {
  const host = loopbackFor(input.listenHost);
  const url = `https://${isIP(host) === 6 ? `[${host}]` : host}:${input.port}`;
  if (input.ownCaPem !== undefined) return { url, caPem: input.ownCaPem };
  const cert = parseCertificate(input.servingCertPem);
  if (cert.ipAddresses.includes(host) || cert.dnsNames.includes(host)) {
    return { url, caPem: input.servingCertPem };
  }
  const publicHost = input.publicUrl === undefined ? undefined : new URL(input.publicUrl).hostname;
  const named =
    publicHost !== undefined && cert.dnsNames.includes(publicHost) ? publicHost : cert.dnsNames[0];
  // A wildcard name is matched by any label in its place.
  const serverName = named?.startsWith('*.') ? `kgate${named.slice(1)}` : named;
  return serverName === undefined
    ? { url, caPem: input.servingCertPem }
    : { url, caPem: input.servingCertPem, serverName };
}
