// Loads the recorded-shape payloads in test/fixtures/anthropic.
import { readFileSync } from "node:fs";
import type { Message, RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages";
import type { ChatRequest } from "../../../src/providers/types.ts";

const dir = new URL("../../fixtures/anthropic/", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, dir), "utf8");

export const requestFixture = (name: string): ChatRequest => JSON.parse(read(`requests/${name}.json`)) as ChatRequest;
export const responseFixture = (name: string): Message => JSON.parse(read(`responses/${name}.json`)) as Message;
export const errorFixture = (name: string): Record<string, unknown> => JSON.parse(read(`errors/${name}.json`)) as Record<string, unknown>;

export interface SseEvent {
  event: string;
  data: RawMessageStreamEvent | { type: string };
}

/** Splits an SSE fixture into its named events, checking each `event:` name matches the data's type. */
export function streamFixture(name: string): SseEvent[] {
  return read(`streams/${name}.sse`)
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => {
      const lines = frame.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7);
      const data = lines.find((l) => l.startsWith("data: "))?.slice(6);
      if (event === undefined || data === undefined) throw new Error(`bad SSE frame in ${name}: ${frame}`);
      const parsed = JSON.parse(data) as { type: string };
      if (parsed.type !== event) throw new Error(`event ${event} carries type ${parsed.type} in ${name}`);
      return { event, data: parsed };
    });
}
