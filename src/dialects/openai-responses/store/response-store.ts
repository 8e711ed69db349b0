// Stored Responses over a key-value backend, always scoped by the key that created them: a
// response, each of its output items (so `item_reference` resolves them by id), and, for
// responses created upstream on the native lane, which provider holds them.
import type { Json, ResponseObject } from "../wire.ts";
import type { KeyValueStore } from "./kv.ts";

export interface StoredResponse {
  /** The Response as the client received it (output items and usage included). */
  readonly response: ResponseObject;
  /** This request's own input items, references resolved, each with an id. */
  readonly input: readonly Json[];
}

export interface ResponseStore {
  /** Writes the response and its output items; resolves once they are readable everywhere. */
  save(owner: string, stored: StoredResponse, ttlS: number): Promise<void>;
  load(owner: string, id: string): Promise<StoredResponse | undefined>;
  /** A stored output item by its id. */
  item(owner: string, id: string): Promise<Json | undefined>;
  /** Notes that `provider` created response `id` upstream (the native lane). */
  remember(owner: string, id: string, provider: string, ttlS: number): Promise<void>;
  /** The provider that created response `id` upstream, if the gateway relayed it. */
  origin(owner: string, id: string): Promise<string | undefined>;
  /** Removes a stored response (and its items); false when there was none. */
  remove(owner: string, id: string): Promise<boolean>;
  /** Forgets a native-lane response. */
  forget(owner: string, id: string): Promise<void>;
  close(): Promise<void>;
}

/** An owner (key name) as a key segment: no `:` of its own can make two owners collide. */
const scope = (owner: string) => encodeURIComponent(owner);
const responseKey = (owner: string, id: string) => `r:${scope(owner)}:${id}`;
const itemKey = (owner: string, id: string) => `i:${scope(owner)}:${id}`;
const originKey = (owner: string, id: string) => `n:${scope(owner)}:${id}`;

export function createResponseStore(kv: KeyValueStore): ResponseStore {
  const load = async (owner: string, id: string): Promise<StoredResponse | undefined> => {
    const text = await kv.get(responseKey(owner, id));
    return text === undefined ? undefined : (JSON.parse(text) as StoredResponse);
  };
  return {
    async save(owner, stored, ttlS) {
      const items = stored.response.output.map((item) => [itemKey(owner, item.id), JSON.stringify(item)] as const);
      await kv.set([[responseKey(owner, stored.response.id), JSON.stringify(stored)], ...items], ttlS);
    },
    load,
    async item(owner, id) {
      const text = await kv.get(itemKey(owner, id));
      return text === undefined ? undefined : (JSON.parse(text) as Json);
    },
    remember: (owner, id, provider, ttlS) => kv.set([[originKey(owner, id), provider]], ttlS),
    origin: (owner, id) => kv.get(originKey(owner, id)),
    async remove(owner, id) {
      const stored = await load(owner, id);
      if (!stored) return false;
      await kv.delete([responseKey(owner, id), ...stored.response.output.map((item) => itemKey(owner, item.id))]);
      return true;
    },
    forget: (owner, id) => kv.delete([originKey(owner, id)]),
    close: () => kv.close(),
  };
}
