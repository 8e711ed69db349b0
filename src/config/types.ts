// The config as the running gateway uses it: validated, interpolated, cross-checked, with
// everything that can be precomputed (route trees, key digests, timeouts) built once.
import type { Complexity, ModelConfig, ModelKind, ProviderConfig, RawConfig, RuleConfig, Sensitivity } from "./schema.ts";

export interface ResolvedProvider {
  readonly id: string;
  readonly settings: ProviderConfig;
  /** Why the provider cannot serve (a missing secret), or undefined when it can. */
  readonly disabled: string | undefined;
}

export interface ConcreteTarget {
  readonly provider: string;
  readonly model: string;
  readonly timeoutMs: number;
  readonly firstByteTimeoutMs: number;
  readonly defaultMaxTokens: number | undefined;
  /** Embeddings: the vector space declared for this target, if any. */
  readonly space: string | undefined;
}

/** A public model's targets as a tree: aliases nest, each level with its own strategy. */
export type RouteNode =
  | { readonly kind: "target"; readonly target: ConcreteTarget }
  | {
      readonly kind: "group";
      readonly strategy: ModelConfig["strategy"];
      readonly entries: readonly { readonly weight: number; readonly node: RouteNode }[];
    };

export interface PublicModel {
  readonly name: string;
  /** The operation it serves: a request for the other one is refused, naming the model and its kind. */
  readonly kind: ModelKind;
  readonly route: RouteNode;
  readonly price: ModelConfig["price"];
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  /** Set when the model's answers are cached (`cache:` on the model). */
  readonly cache: ModelCachePolicy | undefined;
  /** Providers this model can reach through any of its targets, for `owned_by`. */
  readonly providers: readonly string[];
}

export interface ModelCachePolicy {
  readonly ttlS: number;
  /** One entry answers every key (public and internal requests only). */
  readonly shared: boolean;
}

export interface ResolvedKey {
  readonly name: string;
  /** sha256 of the key, hex. */
  readonly digest: string;
  /** The same digest as bytes, for the constant-time compare. */
  readonly digestBytes: Buffer;
  /** Allowed public models (`auto` included when listed); undefined = all. */
  readonly models: ReadonlySet<string> | undefined;
  readonly sensitivity: Sensitivity;
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  readonly maxConcurrent: number | undefined;
}

export interface ResolvedRule extends RuleConfig {
  readonly index: number;
}

export interface GatewayConfig {
  /** Where it came from (file path or a label), for messages. */
  readonly source: string;
  readonly raw: RawConfig;
  readonly providers: ReadonlyMap<string, ResolvedProvider>;
  readonly models: ReadonlyMap<string, PublicModel>;
  /** Keys by digest; undefined when no `keys:` section (an open gateway). */
  readonly keys: ReadonlyMap<string, ResolvedKey> | undefined;
  readonly warnings: readonly string[];
  /** When the config was loaded, seconds: `created` of the listed models. */
  readonly loadedAt: number;
}

export type { Complexity, ModelKind, Sensitivity };
