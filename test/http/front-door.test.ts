// Mounting a front door: its route handler, and the api label the access log gives its paths
// (with and without the /v1 prefix), so a new door is counted by adding it to the list alone.
import { describe, expect, it } from "vitest";
import { openaiChat } from "../../src/dialects/openai-chat/index.ts";
import { openaiEmbeddings } from "../../src/dialects/openai-embeddings/index.ts";
import { apiByPath, mountable } from "../../src/http/routes/front-door.ts";
import type { RuntimeSource } from "../../src/runtime.ts";

const source = { current: undefined } as unknown as RuntimeSource;

describe("front door mounting", () => {
  it("labels each door's path with and without /v1, and nothing else", () => {
    const doors = [mountable(source, openaiChat, {}), mountable(source, openaiEmbeddings, {})];
    expect(doors.map((d) => [d.api, d.path])).toEqual([
      ["chat", "/chat/completions"],
      ["embeddings", "/embeddings"],
    ]);
    const apis = apiByPath(doors);
    expect([...apis]).toEqual([
      ["/v1/chat/completions", "chat"],
      ["/chat/completions", "chat"],
      ["/v1/embeddings", "embeddings"],
      ["/embeddings", "embeddings"],
    ]);
    expect(apis.get("/v1/models")).toBeUndefined();
  });
});
