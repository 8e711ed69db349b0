// Vectors in the encoding the client asked for, whatever form the upstream gave them in.
// base64 is little-endian float32, as the `openai` SDKs decode it (and ask for by default):
// JSON numbers where base64 was asked would silently arrive as a quarter of the vector.
import type { EmbeddingVector } from "../../providers/types.ts";

export type Encoding = "float" | "base64";

export function encodeVector(vector: EmbeddingVector, encoding: Encoding): readonly number[] | string {
  if (encoding === "base64") return typeof vector === "string" ? vector : toBase64(vector);
  return typeof vector === "string" ? fromBase64(vector) : vector;
}

function toBase64(values: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeFloatLE(values[i] as number, i * 4);
  return bytes.toString("base64");
}

function fromBase64(text: string): number[] {
  const bytes = Buffer.from(text, "base64");
  const values = new Array<number>(bytes.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = bytes.readFloatLE(i * 4);
  return values;
}
