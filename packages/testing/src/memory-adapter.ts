type Store = Map<string, { payload: Record<string, unknown>; expiresAt?: number }>;

/**
 * oidc-provider's storage, in memory: what its default development adapter does, without the
 * warning it prints. Each call gives an adapter class with storage of its own, so a test
 * provider's state dies with it.
 */
export function createMemoryAdapter(): new (name: string) => MemoryAdapter {
  const stores = new Map<string, Store>();
  return class extends MemoryAdapter {
    constructor(name: string) {
      let store = stores.get(name);
      if (store === undefined) {
        store = new Map();
        stores.set(name, store);
      }
      super(store);
    }
  };
}

/** One model's storage (see {@link createMemoryAdapter}). */
export class MemoryAdapter {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
    this.#store.set(id, {
      payload,
      ...(expiresIn ? { expiresAt: Date.now() + expiresIn * 1000 } : {}),
    });
  }

  async find(id: string): Promise<Record<string, unknown> | undefined> {
    const entry = this.#store.get(id);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.#store.delete(id);
      return undefined;
    }
    return entry.payload;
  }

  async findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
    return this.#findBy((payload) => payload.userCode === userCode);
  }

  async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
    return this.#findBy((payload) => payload.uid === uid);
  }

  async consume(id: string): Promise<void> {
    const entry = this.#store.get(id);
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.#store.delete(id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [id, entry] of this.#store)
      if (entry.payload.grantId === grantId) this.#store.delete(id);
  }

  async #findBy(
    match: (payload: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown> | undefined> {
    for (const [id] of this.#store) {
      const payload = await this.find(id);
      if (payload !== undefined && match(payload)) return payload;
    }
    return undefined;
  }
}
