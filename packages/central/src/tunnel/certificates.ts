/**
 * Agent identity by mutual TLS: the short-lived client certificates central's CA issues
 * to agents, and what the agent port reads from the certificate a connection presents.
 *
 * A certificate names one cluster: CN `<cluster name>`, O `kgate:agents`, O
 * `kgate:cluster:<cluster id>`, extended key usage clientAuth. The id makes a cluster
 * removed and added again under the same name another cluster, whose agent the old
 * certificate does not speak for. (A URI SAN `kgate://clusters/<id>` would say the same;
 * `@kgate/core/pki` issues DNS and IP SANs only, and the subject is what it offers.)
 *
 * The peer's certificate is read once per connection, when the TLS handshake is done;
 * each Register, Control and Proxy call then compares object references, so mutual TLS
 * costs nothing per request.
 */
import { X509Certificate } from 'node:crypto';
import type { ServerHttp2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { KgateError } from '@kgate/core/errors';
import { type CertificateAuthority, signCertificateRequest } from '@kgate/core/pki';
import type { ClusterRef } from './ports.ts';
import { agentCertificateOrganization, clusterOrganization, clusterOrganizationPrefix } from './proto.ts';

/** Shortest and longest lifetime of an agent certificate (the expiry timer must fit a 32-bit delay). */
export const agentCertificateTtlBounds = { minMs: 5000, maxMs: 7 * 86_400_000 } as const;

/** Default lifetime of an agent certificate: one hour. */
export const defaultAgentCertificateTtlMs = 3_600_000;

/** OID of the clientAuth extended key usage. */
const clientAuthOid = '1.3.6.1.5.5.7.3.2';

/** Longest CSR accepted (a P-256 CSR is about 400 bytes of PEM). */
const maxCsrBytes = 16 * 1024;

/** A certificate central issued to an agent. */
export interface IssuedAgentCertificate {
  certificatePem: string;
  caCertificatePem: string;
  expiresAt: Date;
  validForMs: number;
}

/** Signs agents' CSRs with central's CA. */
export interface AgentCertificateIssuer {
  readonly ttlMs: number;
  /**
   * A client certificate for `cluster` and the key of `csrPem` (checked: proof of
   * possession, ECDSA P-256). The subject comes from `cluster`, never from the CSR.
   * @throws KgateError `PKI_INVALID` for a malformed CSR, a bad signature or another key type.
   */
  issue(csrPem: string, cluster: ClusterRef): Promise<IssuedAgentCertificate>;
}

/** Creates the issuer of agent certificates; `ttlMs` is their lifetime. */
export function createAgentCertificateIssuer(
  ca: CertificateAuthority,
  ttlMs: number,
): AgentCertificateIssuer {
  checkAgentCertificateTtl(ttlMs);
  return {
    ttlMs,
    async issue(csrPem, cluster) {
      if (csrPem === '')
        throw new KgateError('PKI_INVALID', 'the registration carries no certificate request', {
          hint: 'the agent must send a CSR with its join token: upgrade kgate-agent',
        });
      if (csrPem.length > maxCsrBytes)
        throw new KgateError('PKI_INVALID', `the certificate request is larger than ${maxCsrBytes} bytes`, {
          hint: 'send a PEM PKCS#10 request for an ECDSA P-256 key',
        });
      // Real time, not central's injectable clock: OpenSSL checks the validity against it.
      const now = new Date();
      const certificatePem = await signCertificateRequest(ca, csrPem, {
        usage: 'client',
        subject: {
          commonName: cluster.clusterName,
          organizations: [agentCertificateOrganization, clusterOrganization(cluster.clusterId)],
        },
        // Whatever names the CSR asks for: an agent certificate names its cluster only.
        dnsNames: [],
        ipAddresses: [],
        validityDays: ttlMs / 86_400_000,
        now,
      });
      const curve = new X509Certificate(certificatePem).publicKey.asymmetricKeyDetails?.namedCurve;
      if (curve !== 'prime256v1')
        throw new KgateError('PKI_INVALID', 'the certificate request is not for an ECDSA P-256 key', {
          hint: 'make the agent key with ECDSA P-256',
        });
      return {
        certificatePem,
        caCertificatePem: ca.certPem,
        expiresAt: new Date(now.getTime() + ttlMs),
        validForMs: ttlMs,
      };
    },
  };
}

/** @throws KgateError `INVALID_ARGUMENT` when `ttlMs` is outside {@link agentCertificateTtlBounds}. */
export function checkAgentCertificateTtl(ttlMs: number): void {
  if (
    !Number.isInteger(ttlMs) ||
    ttlMs < agentCertificateTtlBounds.minMs ||
    ttlMs > agentCertificateTtlBounds.maxMs
  )
    throw new KgateError('INVALID_ARGUMENT', `agent certificate lifetime ${ttlMs} ms is outside 5 s – 7 d`, {
      hint: 'set auth.agent_certificate_ttl to a duration such as 1h',
    });
}

/** What a connection's client certificate says about the peer. */
export type PeerIdentity =
  /** No certificate: the connection may only Register with a join token. */
  | { kind: 'none' }
  /** A certificate central does not accept (another CA, expired, not an agent's); `reason` says which. */
  | { kind: 'refused'; reason: string }
  /** A valid agent certificate of central's CA, for this cluster, until `expiresAt`. */
  | { kind: 'agent'; cluster: ClusterRef; expiresAt: Date };

const verifyReasons: Record<string, string> = {
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "it is not signed by central's CA",
  UNABLE_TO_GET_ISSUER_CERT: "it is not signed by central's CA",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "it is not signed by central's CA",
  DEPTH_ZERO_SELF_SIGNED_CERT: "it is self-signed, not signed by central's CA",
  SELF_SIGNED_CERT_IN_CHAIN: "it is not signed by central's CA",
  CERT_SIGNATURE_FAILURE: 'its signature does not verify',
  INVALID_PURPOSE: 'it is not a client certificate',
};

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Reads the identity of a TLS connection's peer (once per connection). */
export function identifyPeer(socket: TLSSocket): PeerIdentity {
  const cert = socket.getPeerCertificate();
  if (cert === null || cert === undefined || Object.keys(cert).length === 0) return { kind: 'none' };
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? 'unknown');
    return { kind: 'refused', reason: `${verifyReasons[code] ?? 'it does not verify'} (${code})` };
  }
  if (!list(cert.ext_key_usage).includes(clientAuthOid))
    return { kind: 'refused', reason: 'it is not a client certificate (no clientAuth usage)' };
  const organizations = list(cert.subject?.O);
  const name = list(cert.subject?.CN)[0];
  const ids = organizations.filter((o) => o.startsWith(clusterOrganizationPrefix));
  const id = ids[0]?.slice(clusterOrganizationPrefix.length);
  if (
    !organizations.includes(agentCertificateOrganization) ||
    ids.length !== 1 ||
    id === undefined ||
    id === '' ||
    name === undefined ||
    name === ''
  )
    return { kind: 'refused', reason: 'it is not an agent certificate of central' };
  const expiresAt = new Date(cert.valid_to);
  if (Number.isNaN(expiresAt.getTime())) return { kind: 'refused', reason: 'its expiry cannot be read' };
  return { kind: 'agent', cluster: { clusterId: id, clusterName: name }, expiresAt };
}

/** The identity of each connection's peer, read once per connection and kept with it. */
export class PeerIdentities {
  readonly #peers = new WeakMap<ServerHttp2Session, PeerIdentity>();

  /** Reads the peer of a new connection (call when the server sees the connection). */
  add(connection: ServerHttp2Session): PeerIdentity {
    let peer: PeerIdentity;
    try {
      peer = identifyPeer(connection.socket as TLSSocket);
    } catch {
      // The socket is already gone: nothing can be sent on this connection anyway.
      peer = { kind: 'none' };
    }
    this.#peers.set(connection, peer);
    return peer;
  }

  /** The peer of `connection` (none for a call without one). */
  of(connection: ServerHttp2Session | undefined): PeerIdentity {
    if (connection === undefined) return { kind: 'none' };
    return this.#peers.get(connection) ?? this.add(connection);
  }
}
