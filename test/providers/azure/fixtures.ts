// Reads the recorded-shape Azure OpenAI payloads in test/fixtures/azure.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChatCompletionChunk } from "../../../src/providers/types.ts";

const dir = join(import.meta.dirname, "../../fixtures/azure");

const read = (name: string): unknown => JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8"));

/** Stream frames as the SDK yields them (Azure's annotation frames included). */
export const streamFrames = (name: string) => read(`stream-${name}`) as ChatCompletionChunk[];
/** A whole error response body. */
export const errorBody = (name: string) => read(`error-${name}`) as Record<string, unknown>;
