// The little a response store needs from its backend: whole string values under keys, each
// with a time to live. Memory (bounded in bytes) or Redis (shared by every replica).

export interface KeyValueStore {
  get(key: string): Promise<string | undefined>;
  /** Writes every entry, each expiring after `ttlS` seconds; resolves once they are readable. */
  set(entries: readonly (readonly [string, string])[], ttlS: number): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
