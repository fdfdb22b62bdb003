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
  VerifiedToken,
} from '../../../central/src/proxy/index.ts';
import type {
  AgentAuthenticator,
  ClusterPresenceSink,
  ClusterRef,
  Identity,
} from '../../../central/src/tunnel/index.ts';

/**
 * Users that log in with short-lived ES256 JWTs, kept in a table like central's store:
 * the token says who, the table says whether the user still exists and with which roles.
 * Offers the `verifyToken` + `loadIdentity` split, so the proxy may cache signatures.
 */
export class TestUsers implements UserAuthenticator {
  readonly #keys: ReturnType<typeof generateKeyPair>;
  readonly #users = new Map<string, Identity>();
  readonly issuer = 'https://central.test';
  /** How many token signatures were checked (a cache hit checks none). */
  verifications = 0;

  constructor() {
    this.#keys = generateKeyPair('ES256');
  }

  /**
   * A token for a user, valid for `ttlSeconds` (negative: already expired); the user is
   * created, or given these roles, in the table.
   */
  async token(username: string, roles: string[], ttlSeconds = 300): Promise<string> {
    const { privateKey } = await this.#keys;
    const userId = `user-${username}`;
    this.#users.set(userId, { userId, username, roles: [...roles] });
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ username })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(this.issuer)
      .setSubject(userId)
      .setIssuedAt(now - 10)
      .setExpirationTime(now + ttlSeconds)
      .sign(privateKey);
  }

  /** Changes a user's roles in the table (their tokens stay as they are). */
  setRoles(username: string, roles: string[]): void {
    const user = this.#users.get(`user-${username}`);
    if (user === undefined) throw new Error(`no test user ${username}`);
    this.#users.set(user.userId, { ...user, roles: [...roles] });
  }

  /** Deletes a user from the table (their tokens stay as they are). */
  remove(username: string): void {
    this.#users.delete(`user-${username}`);
  }

  async verifyToken(bearerToken: string): Promise<VerifiedToken | null> {
    this.verifications++;
    const { publicKey } = await this.#keys;
    try {
      const { payload } = await jwtVerify(bearerToken, publicKey, {
        issuer: this.issuer,
        algorithms: ['ES256'],
        requiredClaims: ['exp', 'sub'],
      });
      const { username, sub, exp } = payload;
      if (typeof username !== 'string' || sub === undefined || exp === undefined) return null;
      return { userId: sub, username, expiresAt: new Date(exp * 1000) };
    } catch {
      return null;
    }
  }

  loadIdentity(token: VerifiedToken): Identity | null {
    const user = this.#users.get(token.userId);
    return user === undefined || user.username !== token.username
      ? null
      : { ...user, roles: [...user.roles] };
  }

  async authenticate(bearerToken: string): Promise<Identity | null> {
    const token = await this.verifyToken(bearerToken);
    return token === null ? null : this.loadIdentity(token);
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Join tokens, kept as hashes, each for one cluster and optionally expiring; and the
 * clusters that exist (every cluster a token was added for, until removed), which agent
 * certificates are checked against.
 */
export class TestJoinTokens implements AgentAuthenticator {
  readonly #tokens: { hash: Buffer; cluster: ClusterRef; expiresAt: Date | undefined }[] = [];
  readonly #clusters = new Map<string, ClusterRef>();
  /** How many join tokens were presented (accepted or not). */
  presented = 0;

  add(token: string, cluster: ClusterRef, expiresAt?: Date): void {
    this.#tokens.push({ hash: digest(token), cluster, expiresAt });
    this.#clusters.set(cluster.clusterId, cluster);
  }

  revoke(cluster: ClusterRef): void {
    for (let i = this.#tokens.length - 1; i >= 0; i--)
      if (this.#tokens[i]?.cluster.clusterId === cluster.clusterId) this.#tokens.splice(i, 1);
  }

  /** The cluster is gone: its tokens and its agents' certificates are refused from now on. */
  removeCluster(cluster: ClusterRef): void {
    this.revoke(cluster);
    this.#clusters.delete(cluster.clusterId);
  }

  async verifyJoinToken(token: string, clusterName: string): Promise<{ clusterId: string } | null> {
    this.presented++;
    const hash = digest(token);
    const entry = this.#tokens.find((t) => timingSafeEqual(t.hash, hash));
    if (entry === undefined || entry.cluster.clusterName !== clusterName) return null;
    if (entry.expiresAt !== undefined && entry.expiresAt.getTime() <= Date.now()) return null;
    return { clusterId: entry.cluster.clusterId };
  }

  async verifyCluster(cluster: ClusterRef): Promise<boolean> {
    return this.#clusters.get(cluster.clusterId)?.clusterName === cluster.clusterName;
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
