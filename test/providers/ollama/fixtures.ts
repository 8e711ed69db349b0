// Reads the recorded-shape Ollama payloads in test/fixtures/ollama.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChatRequest } from "../../../src/providers/types.ts";
import type { OllamaChatRequest, OllamaChatResponse } from "../../../src/providers/ollama/wire.ts";

const dir = join(import.meta.dirname, "../../fixtures/ollama");

const read = (name: string) => readFileSync(join(dir, name), "utf8");

export const openaiRequest = (name: string) => JSON.parse(read(`${name}.openai.json`)) as ChatRequest;
export const ollamaRequest = (name: string) => JSON.parse(read(`${name}.ollama.json`)) as OllamaChatRequest;
export const chatResponse = (name: string) => JSON.parse(read(`${name}.json`)) as OllamaChatResponse;
export const streamLines = (name: string) =>
  read(`${name}.ndjson`)
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as OllamaChatResponse);
