// Fake Azure OpenAI data plane. Azure's wire is OpenAI's, so replies are rendered by the OpenAI
// fake; this adds Azure's routes (`POST /openai/deployments/{deployment}/chat/completions`,
// `.../embeddings` and `GET /openai/models`, all with `api-version`), its content-filter annotations (the prompt
// annotation frame that opens every stream, per-choice filter results) and its error bodies.
// The key arrives in the `api-key` header; requests are recorded, not checked.
// `startAzureResponsesFake` adds the Responses API on Azure's v1 route (`/openai/v1/responses`)
// or, given a dated api-version, on the preview route (`/openai/responses?api-version=`).
import { FakeUpstream, type Protocol, type RecordedRequest } from "./fake-upstream.ts";
import { openaiProtocol, renderOpenAIEmbeddings } from "./openai.ts";
import { responsesProtocol } from "./openai-responses.ts";

const CHAT_PATH = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;
const EMBEDDINGS_PATH = /^\/openai\/deployments\/([^/]+)\/embeddings$/;

/** The deployment a chat or embeddings request addressed, from its path. */
export function deploymentOf(req: RecordedRequest): string | undefined {
  const found = (CHAT_PATH.exec(req.path) ?? EMBEDDINGS_PATH.exec(req.path))?.[1];
  return found === undefined ? undefined : decodeURIComponent(found);
}

const SAFE = { filtered: false, severity: "safe" };
const FILTER_RESULTS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
const PROMPT_FILTER_RESULTS = [{ prompt_index: 0, content_filter_results: FILTER_RESULTS }];

/** Azure's error codes where it sends its own rather than OpenAI's. */
function azureCode(status: number): string | null {
  if (status === 401) return "401";
  if (status === 404) return "DeploymentNotFound";
  if (status === 429) return "429";
  if (status >= 500) return "InternalServerError";
  return null;
}

export const azureProtocol: Protocol = {
  ...openaiProtocol,
  name: "azure",
  classify(req) {
    if (req.method === "POST" && CHAT_PATH.test(req.path) && req.query.has("api-version")) return openaiProtocol.classify(req);
    return { chat: false };
  },
  renderJson(reply, req) {
    const json = openaiProtocol.renderJson(reply, req);
    const body = json.body as { choices: Record<string, unknown>[] };
    return {
      ...json,
      body: {
        ...body,
        choices: body.choices.map((choice) => ({ ...choice, content_filter_results: FILTER_RESULTS })),
        prompt_filter_results: PROMPT_FILTER_RESULTS,
      },
    };
  },
  renderStream(reply, req) {
    // Azure opens every stream with the prompt's filter annotation: no choices, empty id/model.
    const annotation = { choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: PROMPT_FILTER_RESULTS };
    return [`data: ${JSON.stringify(annotation)}\n\n`, ...openaiProtocol.renderStream(reply, req)];
  },
  renderError(status, message) {
    const code = azureCode(status);
    if (code !== null) return { error: { code, message } };
    return openaiProtocol.renderError(status, message);
  },
  other(req) {
    if (req.method === "GET" && req.path === "/openai/models" && req.query.has("api-version")) {
      const model = (id: string, chat: boolean) => ({
        id,
        object: "model",
        created_at: 1_715_558_400,
        status: "succeeded",
        lifecycle_status: "generally-available",
        capabilities: { fine_tune: false, inference: true, completion: false, chat_completion: chat, embeddings: !chat },
        deprecation: { inference: 1_767_225_600 },
      });
      return { status: 200, body: { object: "list", data: [model("gpt-4o", true), model("gpt-4o-mini", true), model("text-embedding-3-small", false)] } };
    }
    return undefined;
  },
  embeddings: {
    matches: (req) => req.method === "POST" && EMBEDDINGS_PATH.test(req.path) && req.query.has("api-version"),
    render: renderOpenAIEmbeddings,
  },
};

export const startAzureFake = () => FakeUpstream.start(azureProtocol);

/** Azure with the Responses API: on `/openai/v1`, or on `/openai` when calls must carry `api-version`. */
export function startAzureResponsesFake(route: "v1" | "dated" = "v1"): Promise<FakeUpstream> {
  const protocol = responsesProtocol(route === "v1" ? "/openai/v1" : "/openai", azureProtocol);
  if (route === "v1") return FakeUpstream.start(protocol);
  // The preview route answers nothing without its api-version, as Azure does (404 Resource not found).
  const dated = (req: RecordedRequest) => req.query.has("api-version");
  return FakeUpstream.start({
    ...protocol,
    classify: (req) => (dated(req) ? protocol.classify(req) : { chat: false }),
    other: (req) => (dated(req) ? protocol.other?.(req) : undefined),
  });
}
