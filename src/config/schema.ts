// The providers.yaml schema. Defaults live here so the rest of the code reads complete values.
import { z } from "zod";

// The config is validated once per start and per reload: zod's generated per-object parsers (an
// eval each) cost more to build than they save there. About 12 ms less CPU at start for the
// bench's config; only this module uses zod.
z.config({ jitless: true });

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
/** Secrets may look numeric after ${VAR} interpolation; they are always strings. */
const secret = z.union([z.string(), z.number()]).transform(String);
const sensitivity = z.enum(["public", "internal", "confidential"]);
const complexity = z.enum(["simple", "moderate", "complex"]);

/** Per-call timeouts: first byte (headers, or the first stream event) and the whole call. */
const timeouts = {
  timeout_ms: positiveInt.optional(),
  first_byte_timeout_ms: positiveInt.optional(),
};

const providerCommon = {
  ...timeouts,
  /** Extra headers sent with every upstream request (e.g. OpenRouter's HTTP-Referer). */
  headers: z.record(z.string(), z.string()).default({}),
};

const openaiProvider = z.strictObject({
  type: z.literal("openai"),
  /** Optional: self-hosted OpenAI-compatible servers (vLLM, llama.cpp) often need none. */
  api_key: secret.optional(),
  base_url: z.url().default("https://api.openai.com/v1"),
  organization: z.string().optional(),
  /** Ask the upstream for a usage chunk on streams; turn off for servers that reject `stream_options`. */
  stream_usage: z.boolean().default(true),
  /** Serves OpenAI's Responses API (`/responses`): the Responses door's native lane. */
  responses: z.boolean().optional(),
  ...providerCommon,
});

const azureProvider = z.strictObject({
  type: z.literal("azure"),
  api_key: secret,
  /** https://RESOURCE.openai.azure.com */
  endpoint: z.url(),
  api_version: z.string().default("2024-10-21"),
  /** Deployment name; defaults to the target's model name. */
  deployment: z.string().optional(),
  /** Serves the Responses API: the Responses door's native lane (Azure's v1 route, `/openai/v1/responses`). */
  responses: z.boolean().optional(),
  /** Use the dated preview route instead (`/openai/responses?api-version=…`), for resources not on v1. */
  responses_api_version: z.string().min(1).optional(),
  ...providerCommon,
});

const anthropicProvider = z.strictObject({
  type: z.literal("anthropic"),
  api_key: secret,
  base_url: z.url().default("https://api.anthropic.com"),
  /** Anthropic requires max_tokens; used when the client sets none (per model under `models`). */
  default_max_tokens: positiveInt.default(4096),
  ...providerCommon,
});

const geminiProvider = z.strictObject({
  type: z.literal("gemini"),
  api_key: secret,
  base_url: z.url().default("https://generativelanguage.googleapis.com"),
  ...providerCommon,
});

const ollamaProvider = z.strictObject({
  type: z.literal("ollama"),
  base_url: z.url().default("http://127.0.0.1:11434"),
  /** How long Ollama keeps the model loaded after a call, e.g. "5m". */
  keep_alive: z.string().optional(),
  ...providerCommon,
});

/** Provider types whose adapter can embed (a test holds this to the adapters' `embed`). */
export const EMBEDDING_PROVIDER_TYPES: ReadonlySet<string> = new Set(["openai", "azure", "gemini", "ollama"]);

export const providerSchema = z.discriminatedUnion("type", [
  openaiProvider,
  azureProvider,
  anthropicProvider,
  geminiProvider,
  ollamaProvider,
]);

/** A target is a concrete (provider, upstream model) or another public model / alias. */
const targetSchema = z.union([
  z.strictObject({
    provider: z.string().min(1),
    model: z.string().min(1),
    weight: z.number().positive().default(1),
    /** Anthropic-style max_tokens default for this model. */
    default_max_tokens: positiveInt.optional(),
    /**
     * Embeddings: the vector space this target's vectors live in. Targets serving different
     * upstream models may back one embeddings model only when each declares the same space.
     */
    space: z.string().min(1).optional(),
    ...timeouts,
  }),
  z.strictObject({
    model: z.string().min(1),
    weight: z.number().positive().default(1),
  }),
]);

const priceSchema = z.strictObject({
  /** USD per million prompt tokens. */
  input_per_mtok: z.number().nonnegative(),
  /** USD per million completion tokens. */
  output_per_mtok: z.number().nonnegative(),
});

/** A public model's opt-in to the response cache: `true`, or its own TTL and sharing. */
const modelCacheSchema = z.union([
  z.boolean(),
  z.strictObject({
    ttl_s: positiveInt.optional(),
    /** One entry answers every key (never for confidential requests). */
    shared: z.boolean().default(false),
  }),
]);

const modelSchema = z.strictObject({
  /** The one operation this model serves. */
  kind: z.enum(["chat", "embeddings"]).default("chat"),
  strategy: z.enum(["fallback", "loadbalance"]).default("fallback"),
  targets: z.array(targetSchema).min(1),
  price: priceSchema.optional(),
  /** Limits across all keys together, protecting the upstream quota. */
  rpm: positiveInt.optional(),
  tpm: positiveInt.optional(),
  description: z.string().optional(),
  /** Off unless set: answers of this model are cached (see the top-level `cache:` section). */
  cache: modelCacheSchema.optional(),
});

const ruleSchema = z.strictObject({
  name: z.string().min(1),
  when: z
    .strictObject({
      sensitivity: z.union([sensitivity, z.array(sensitivity).min(1)]).optional(),
      complexity: z.union([complexity, z.array(complexity).min(1)]).optional(),
      /** Glob over the requested model name (`*` and `?`). */
      model: z.string().optional(),
      key: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
      min_prompt_tokens: nonNegativeInt.optional(),
      max_prompt_tokens: nonNegativeInt.optional(),
      tools: z.boolean().optional(),
      images: z.boolean().optional(),
    })
    .default({}),
  use: z.string().optional(),
  allow_providers: z.array(z.string()).optional(),
});

const detectorSchema = z.strictObject({
  name: z.string().min(1),
  pattern: z.string().min(1),
  flags: z.string().default(""),
  sensitivity: sensitivity.default("confidential"),
});

const keySchema = z
  .strictObject({
    name: z.string().min(1),
    key: secret.optional(),
    key_sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/i, "must be 64 hex characters")
      .optional(),
    rpm: positiveInt.optional(),
    tpm: positiveInt.optional(),
    max_concurrent: positiveInt.optional(),
    models: z.array(z.string()).optional(),
    sensitivity: sensitivity.default("public"),
    /** Spend per period in USD, shared by every replica; periods are UTC, weeks start on Monday. */
    budget: z
      .strictObject({
        usd: z.number().positive(),
        period: z.enum(["day", "week", "month", "total"]),
      })
      .optional(),
  })
  .refine((k) => k.key !== undefined || k.key_sha256 !== undefined, {
    message: "needs `key` or `key_sha256`",
  });

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default("0.0.0.0"),
      port: z.number().int().min(0).max(65535).default(8080),
      body_limit_bytes: positiveInt.default(10 * 1024 * 1024),
      /** How long a request body may go without a byte before the request is answered 408. */
      body_timeout_ms: positiveInt.default(30_000),
      /** How long in-flight requests and streams may run on after SIGTERM. */
      shutdown_grace_ms: positiveInt.default(30_000),
      metrics: z
        .strictObject({
          enabled: z.boolean().default(true),
          /** Serve /metrics on its own port instead of the API port. */
          port: z.number().int().min(0).max(65535).optional(),
          /** Require `Authorization: Bearer TOKEN` on /metrics. */
          token: secret.optional(),
        })
        .default({ enabled: true }),
    })
    .default({
      host: "0.0.0.0",
      port: 8080,
      body_limit_bytes: 10 * 1024 * 1024,
      body_timeout_ms: 30_000,
      shutdown_grace_ms: 30_000,
      metrics: { enabled: true },
    }),
  logging: z
    .strictObject({
      level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
      format: z.enum(["auto", "json", "pretty"]).default("auto"),
      /** Log prompts and completions (secrets redacted). Off by default. */
      bodies: z.boolean().default(false),
    })
    .default({ level: "info", format: "auto", bodies: false }),
  providers: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, "provider ids use letters, digits, _ . -"), providerSchema),
  models: z.record(z.string().min(1), modelSchema),
  routing: z
    .strictObject({
      default: z.string().optional(),
      rules: z.array(ruleSchema).default([]),
      detectors: z.array(detectorSchema).default([]),
      complexity: z
        .strictObject({
          /** Estimated prompt tokens at or above which a request is at least moderate / complex. */
          moderate_tokens: positiveInt.default(1_000),
          complex_tokens: positiveInt.default(8_000),
          /** A requested completion budget at or above this makes a request at least moderate. */
          long_output_tokens: positiveInt.default(4_096),
        })
        .default({ moderate_tokens: 1_000, complex_tokens: 8_000, long_output_tokens: 4_096 }),
    })
    .default({ rules: [], detectors: [], complexity: { moderate_tokens: 1_000, complex_tokens: 8_000, long_output_tokens: 4_096 } }),
  keys: z.array(keySchema).optional(),
  resilience: z
    .strictObject({
      retries: nonNegativeInt.default(2),
      backoff_ms: nonNegativeInt.default(200),
      max_backoff_ms: nonNegativeInt.default(5_000),
      /** The longest `Retry-After` honored before moving on to the next target. */
      retry_after_cap_ms: nonNegativeInt.default(10_000),
      timeout_ms: positiveInt.default(600_000),
      first_byte_timeout_ms: positiveInt.default(60_000),
      breaker: z
        .strictObject({
          error_threshold_percentage: z.number().min(1).max(100).default(50),
          volume_threshold: positiveInt.default(10),
          reset_timeout_ms: positiveInt.default(30_000),
          rolling_window_ms: positiveInt.default(10_000),
        })
        .default({ error_threshold_percentage: 50, volume_threshold: 10, reset_timeout_ms: 30_000, rolling_window_ms: 10_000 }),
    })
    .default({
      retries: 2,
      backoff_ms: 200,
      max_backoff_ms: 5_000,
      retry_after_cap_ms: 10_000,
      timeout_ms: 600_000,
      first_byte_timeout_ms: 60_000,
      breaker: { error_threshold_percentage: 50, volume_threshold: 10, reset_timeout_ms: 30_000, rolling_window_ms: 10_000 },
    }),
  limits: z
    .strictObject({
      store: z.enum(["memory", "redis"]).default("memory"),
      redis_url: z.string().optional(),
      on_store_error: z.enum(["open", "closed"]).default("open"),
      /** Completion tokens reserved for a request that sets no max_tokens. */
      default_max_tokens: positiveInt.default(4_096),
    })
    .refine((l) => l.store !== "redis" || l.redis_url !== undefined, {
      message: "`redis_url` is required with store: redis",
      path: ["redis_url"],
    })
    .default({ store: "memory", on_store_error: "open", default_max_tokens: 4_096 }),
  /** Stored Responses (`store: true`), kept in the limits store (memory or Redis). */
  responses: z
    .strictObject({
      ttl_s: positiveInt.default(30 * 24 * 3600),
      /** The memory store's bound; Redis is bounded by its own configuration. */
      max_bytes: positiveInt.default(64 * 1024 * 1024),
    })
    .default({ ttl_s: 30 * 24 * 3600, max_bytes: 64 * 1024 * 1024 }),
  cache: z
    .strictObject({
      /** memory: this process only; redis: a small in-process tier in front of Redis, shared by replicas. */
      store: z.enum(["memory", "redis"]).default("memory"),
      /** Defaults to `limits.redis_url`. */
      redis_url: z.string().optional(),
      /** Default entry lifetime; a model may set its own. */
      ttl_s: positiveInt.default(3_600),
      /** Answers served by a fallback target live at most this long. */
      fallback_ttl_s: positiveInt.default(60),
      /** Bound of the in-process tier, in bytes of stored entries. */
      max_bytes: positiveInt.default(64 * 1024 * 1024),
      /** Larger answers are not cached. */
      max_entry_bytes: positiveInt.default(1024 * 1024),
      /** Redis values at least this large are compressed. */
      compress_min_bytes: positiveInt.default(4_096),
    })
    .default({ store: "memory", ttl_s: 3_600, fallback_ttl_s: 60, max_bytes: 64 * 1024 * 1024, max_entry_bytes: 1024 * 1024, compress_min_bytes: 4_096 }),
  images: z
    .strictObject({
      allow_private_hosts: z.boolean().default(false),
      max_bytes: positiveInt.default(20 * 1024 * 1024),
      timeout_ms: positiveInt.default(10_000),
    })
    .default({ allow_private_hosts: false, max_bytes: 20 * 1024 * 1024, timeout_ms: 10_000 }),
});

export type RawConfig = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ProviderType = ProviderConfig["type"];
export type ModelConfig = z.infer<typeof modelSchema>;
export type ModelKind = ModelConfig["kind"];
export type TargetConfig = z.infer<typeof targetSchema>;
export type RuleConfig = z.infer<typeof ruleSchema>;
export type CacheConfig = RawConfig["cache"];
export type ModelCacheConfig = z.infer<typeof modelCacheSchema>;
export type KeyConfig = z.infer<typeof keySchema>;
export type Sensitivity = z.infer<typeof sensitivity>;
export type Complexity = z.infer<typeof complexity>;
