// The contract between the gateway and every upstream. Adapters take and give OpenAI
// shapes; everything provider-specific stays behind this interface.
import type { IncomingHttpHeaders } from "node:http";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
} from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import type { EmbeddingCreateParams } from "openai/resources/embeddings";
import type { ImagePolicy } from "./images.ts";

export type { ChatCompletion, ChatCompletionChunk };

/**
 * The validated client request. Fields the gateway does not know stay on the object:
 * OpenAI-compatible upstreams receive them unchanged.
 */
export type ChatRequest = ChatCompletionCreateParams & { readonly [extra: string]: unknown };

export type Usage = Pick<CompletionUsage, "prompt_tokens" | "completion_tokens" | "total_tokens">;

export type ChatResult =
  | { kind: "completion"; completion: ChatCompletion }
  /**
   * Translated stream. Adapters always yield the final usage chunk (`choices: []`) when the
   * upstream reported usage; the writer hides it from clients that did not ask for it.
   */
  | { kind: "stream"; chunks: AsyncIterable<ChatCompletionChunk> }
  /**
   * OpenAI-compatible upstreams: the upstream's bytes relayed as they arrive. The adapter asks
   * the upstream for stream usage and strips that chunk again when the client did not ask.
   * `usage` settles once the body has been fully consumed (undefined when none was seen).
   */
  | {
      kind: "passthrough";
      status: number;
      headers: IncomingHttpHeaders;
      /** A complete body arrives as an array (written in one go), a stream as an async iterable. */
      body: AsyncIterable<Uint8Array> | readonly Uint8Array[];
      usage: Promise<Usage | undefined>;
    };

/**
 * What OpenAI-compatible servers such as vLLM add to a choice (completion or chunk): the stop
 * string that ended it, or the stop token's id, null otherwise. OpenAI, Gemini and Ollama do not
 * say which stop sequence matched, and their choices carry no such field.
 */
export interface MatchedStopField {
  readonly stop_reason?: string | number | null;
}

/** An upstream's bytes relayed as they arrive: the result of every native-lane call. */
export type PassthroughResult = Extract<ChatResult, { kind: "passthrough" }>;

/** The inbound APIs some providers speak themselves (the native lane). */
export type Dialect = "anthropic-messages" | "openai-responses";

/**
 * One call on a dialect's own API, as the client made it: the method, the path under the API
 * root (`/responses`, `/responses/{id}`, `/messages?beta=true`: the client's query kept), and the
 * body as sent (only `model` is set by the adapter).
 */
export interface NativeRequest {
  readonly method: "GET" | "POST" | "DELETE";
  readonly path: string;
  readonly body?: Readonly<Record<string, unknown>>;
  /** Whether the body asks for a stream (the adapter relays it event by event). */
  readonly stream?: boolean;
  /** The client's protocol headers that travel unchanged (API versions, beta flags), lower-case names. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The validated client request (input kept as sent: string | string[] | number[] | number[][]). */
export type EmbeddingsRequest = EmbeddingCreateParams & { readonly [extra: string]: unknown };

/** One vector: JSON numbers as the upstream gave them, or base64 of little-endian float32. */
export type EmbeddingVector = readonly number[] | string;

export interface EmbeddingsResult {
  /** One per input, in input order. */
  readonly embeddings: readonly EmbeddingVector[];
  /** Upstream-reported usage; undefined when the upstream reports none (Gemini) — the pipeline estimates. */
  readonly usage: { readonly prompt_tokens: number; readonly total_tokens: number } | undefined;
}

export interface CallOptions {
  /** Aborted on client disconnect, total timeout or first-byte timeout. */
  readonly signal: AbortSignal;
  /** Forwarded upstream as `x-request-id`. */
  readonly requestId: string;
  /** The public model name the client asked for; translated responses report it as `model`. */
  readonly publicModel: string;
  /** Completion budget for upstreams that require one (Anthropic) when the client set none. */
  readonly defaultMaxTokens: number | undefined;
  /** How http(s) image URLs may be fetched for upstreams that cannot take them by reference. */
  readonly images: ImagePolicy;
  /**
   * Reports a parameter the upstream cannot take as given and that was adjusted or ignored
   * without changing what the request asks for; the client sees it in `x-llm-warnings`.
   */
  readonly warn?: (message: string) => void;
}

export interface ProviderAdapter {
  /** The provider's key in providers.yaml. */
  readonly id: string;
  /** `model` is the upstream model name. Failures are thrown as `UpstreamError`. */
  chat(req: ChatRequest, model: string, call: CallOptions): Promise<ChatResult>;
  /**
   * Absent for providers without embeddings. Failures are thrown as UpstreamError; a request the
   * target cannot take as given (token-array input to a text-only API, a parameter it lacks) is
   * thrown as GatewayInputError, so the executor skips the target like any unservable one.
   */
  embed?(req: EmbeddingsRequest, model: string, call: CallOptions): Promise<EmbeddingsResult>;
  /**
   * The native lane, for the dialects this provider speaks itself (absent: none). Failures are
   * thrown as UpstreamError like `chat`'s; `model` (the upstream model) is set on a body.
   */
  native?(dialect: Dialect, request: NativeRequest, model: string, call: CallOptions): Promise<PassthroughResult>;
  /** Whether this provider serves `dialect` on the native lane (its config says so). */
  speaks?(dialect: Dialect): boolean;
  listModels(signal: AbortSignal): Promise<string[]>;
  /** Releases pools and sockets; called on shutdown and when a reload drops the provider. */
  close(): Promise<void>;
}
