/**
 * oidc-provider's storage for one fixture: codes, tokens, sessions, grants and
 * interactions in Maps that die with the provider. oidc-provider's own in-memory adapter
 * shares one store between every provider in the process and warns on each start.
 */

type Payload = { [key: string]: unknown };

interface Entry {
  payload: Payload;
  /** Epoch ms; Infinity when the model has no expiry. */
  expiresAt: number;
}

/** The storage shared by every model of one provider. */
export class MemoryStore {
  readonly entries = new Map<string, Entry>();
  /** grantId → keys of the tokens and codes issued under it (for revocation). */
  readonly grants = new Map<string, Set<string>>();
  readonly sessionsByUid = new Map<string, string>();
  readonly deviceCodesByUserCode = new Map<string, string>();

  get(key: string): Payload | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  /** The adapter factory oidc-provider's `adapter` option takes. */
  adapterFor = (model: string): ModelAdapter => new ModelAdapter(model, this);
}

/** The adapter of one model (AccessToken, Session, …), as oidc-provider calls it. */
export class ModelAdapter {
  readonly #model: string;
  readonly #store: MemoryStore;

  constructor(model: string, store: MemoryStore) {
    this.#model = model;
    this.#store = store;
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    const key = this.#key(id);
    const expiresAt =
      typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
    this.#store.entries.set(key, { payload, expiresAt });
    const { grantId, userCode, uid } = payload;
    if (typeof grantId === 'string') {
      const members = this.#store.grants.get(grantId) ?? new Set<string>();
      members.add(key);
      this.#store.grants.set(grantId, members);
    }
    if (this.#model === 'Session' && typeof uid === 'string') this.#store.sessionsByUid.set(uid, id);
    if (typeof userCode === 'string') this.#store.deviceCodesByUserCode.set(userCode, id);
  }

  async find(id: string): Promise<Payload | undefined> {
    return this.#store.get(this.#key(id));
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    const id = this.#store.sessionsByUid.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    const id = this.#store.deviceCodesByUserCode.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    const payload = this.#store.get(this.#key(id));
    if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.#store.entries.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of this.#store.grants.get(grantId) ?? []) this.#store.entries.delete(key);
    this.#store.grants.delete(grantId);
  }
}
