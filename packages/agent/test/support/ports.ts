/**
 * Small real implementations of central's ports for the gateway tests: users with
 * ES256 JWTs (real jose keys), join tokens compared by hash, a cluster directory, a
 * presence sink that tests can wait on, and a recorder that keeps every record.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { generateKeyPair, jwtVerify, SignJWT } from 'jose';
import type {
  ClusterDirectory,
  ProxyRecord,
  RequestRecorder,
  UserAuthenticator,
} from '../../../central/src/proxy/index.ts';
import type {
  AgentAuthenticator,
  ClusterPresenceSink,
  ClusterRef,
  Identity,
} from '../../../central/src/tunnel/index.ts';

/** Users that log in with short-lived ES256 JWTs. */
export class TestUsers implements UserAuthenticator {
  readonly #keys: ReturnType<typeof generateKeyPair>;
  readonly issuer = 'https://central.test';

  constructor() {
    this.#keys = generateKeyPair('ES256');
  }

  /** A token for a user with roles, valid for `ttlSeconds` (negative: already expired). */
  async token(username: string, roles: string[], ttlSeconds = 300): Promise<string> {
    const { privateKey } = await this.#keys;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ username, roles })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(this.issuer)
      .setSubject(`user-${username}`)
      .setIssuedAt(now - 10)
      .setExpirationTime(now + ttlSeconds)
      .sign(privateKey);
  }

  async authenticate(bearerToken: string): Promise<Identity | null> {
    const { publicKey } = await this.#keys;
    try {
      const { payload } = await jwtVerify(bearerToken, publicKey, {
        issuer: this.issuer,
        algorithms: ['ES256'],
      });
      const { username, roles, sub } = payload as { username?: unknown; roles?: unknown; sub?: string };
      if (typeof username !== 'string' || !Array.isArray(roles) || sub === undefined) return null;
      return { userId: sub, username, roles: roles.filter((r): r is string => typeof r === 'string') };
    } catch {
      return null;
    }
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Join tokens, kept as hashes, each for one cluster. */
export class TestJoinTokens implements AgentAuthenticator {
  readonly #tokens: { hash: Buffer; cluster: ClusterRef }[] = [];

  add(token: string, cluster: ClusterRef): void {
    this.#tokens.push({ hash: digest(token), cluster });
  }

  revoke(cluster: ClusterRef): void {
    for (let i = this.#tokens.length - 1; i >= 0; i--)
      if (this.#tokens[i]?.cluster.clusterId === cluster.clusterId) this.#tokens.splice(i, 1);
  }

  async verifyJoinToken(token: string, clusterName: string): Promise<{ clusterId: string } | null> {
    const hash = digest(token);
    const entry = this.#tokens.find((t) => timingSafeEqual(t.hash, hash));
    if (entry === undefined || entry.cluster.clusterName !== clusterName) return null;
    return { clusterId: entry.cluster.clusterId };
  }
}

/** Clusters by name. */
export class TestClusters implements ClusterDirectory {
  readonly #byName = new Map<string, ClusterRef>();

  add(cluster: ClusterRef): void {
    this.#byName.set(cluster.clusterName, cluster);
  }

  async lookup(name: string): Promise<ClusterRef | null> {
    return this.#byName.get(name) ?? null;
  }
}

/** One presence event as the store would receive it. */
export type PresenceEvent =
  | { kind: 'connected'; clusterId: string; at: Date; kubernetesVersion: string; nodeCount: number }
  | { kind: 'seen'; clusterId: string; at: Date }
  | { kind: 'disconnected'; clusterId: string; at: Date; reason: string };

/** Keeps cluster status like the store would, and lets tests wait for a change. */
export class TestPresence implements ClusterPresenceSink {
  readonly events: PresenceEvent[] = [];
  readonly status = new Map<string, 'connected' | 'disconnected'>();
  readonly #waiters = new Set<() => void>();

  connected(event: Parameters<ClusterPresenceSink['connected']>[0]): void {
    this.status.set(event.clusterId, 'connected');
    this.#push({
      kind: 'connected',
      clusterId: event.clusterId,
      at: event.at,
      kubernetesVersion: event.kubernetesVersion,
      nodeCount: event.nodeCount,
    });
  }

  seen(event: Parameters<ClusterPresenceSink['seen']>[0]): void {
    this.#push({ kind: 'seen', clusterId: event.clusterId, at: event.at });
  }

  disconnected(event: Parameters<ClusterPresenceSink['disconnected']>[0]): void {
    this.status.set(event.clusterId, 'disconnected');
    this.#push({ kind: 'disconnected', clusterId: event.clusterId, at: event.at, reason: event.reason });
  }

  /** Resolves with the first event (from now on, or already seen after `since`) matching `match`. */
  waitFor(match: (event: PresenceEvent) => boolean, timeoutMs: number, since = 0): Promise<PresenceEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.slice(since).find(match);
        if (found === undefined) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no matching presence event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  #push(event: PresenceEvent): void {
    this.events.push(event);
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** Keeps every record. */
export class TestRecorder implements RequestRecorder {
  readonly records: ProxyRecord[] = [];

  record(entry: ProxyRecord): void {
    this.records.push(entry);
  }
}
