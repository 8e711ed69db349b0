// Sensitivity and complexity of a request. Sensitivity only ever goes up: the effective level
// is the highest of the key's level, the header, the body's metadata and any content detector
// that matches, so a client can raise it but never lower it below its key's.
import type { Complexity, Sensitivity } from "../config/types.ts";
import type { RawConfig } from "../config/schema.ts";
import type { MeasuredRequest, RequestFeatures } from "./features.ts";
import { RoutingError } from "./routing-error.ts";

export const SENSITIVITY_ORDER: readonly Sensitivity[] = ["public", "internal", "confidential"];
const COMPLEXITIES: readonly Complexity[] = ["simple", "moderate", "complex"];

export interface Detector {
  readonly name: string;
  readonly pattern: RegExp;
  readonly level: Sensitivity;
}

export interface Classification {
  sensitivity: Sensitivity;
  complexity: Complexity;
  /** Names of the detectors that matched and raised the level. */
  detected: string[];
}

export interface ClassifyInput {
  req: MeasuredRequest;
  /** The client's text that goes upstream (see request-text.ts); read once, and only as far as a detector could still raise the level. */
  texts: Iterable<string>;
  features: RequestFeatures;
  keyLevel: Sensitivity;
  headers: Record<string, string | string[] | undefined>;
}

export function compileDetectors(config: RawConfig): Detector[] {
  // No global/sticky flag: `test` must not carry lastIndex state across requests.
  return config.routing.detectors.map((d) => ({ name: d.name, pattern: new RegExp(d.pattern, d.flags.replace(/[gy]/g, "")), level: d.sensitivity }));
}

export function classify(input: ClassifyInput, detectors: readonly Detector[], thresholds: RawConfig["routing"]["complexity"]): Classification {
  const metadata = metadataOf(input.req);
  let level = rank(input.keyLevel);
  const fromHeader = readLevel(input.headers["x-llm-sensitivity"], SENSITIVITY_ORDER, "x-llm-sensitivity");
  const fromBody = readLevel(metadata?.["sensitivity"], SENSITIVITY_ORDER, "metadata.sensitivity");
  if (fromHeader) level = Math.max(level, rank(fromHeader));
  if (fromBody) level = Math.max(level, rank(fromBody));

  const detection = detect(input.texts, detectors, level);

  const asked =
    readLevel(input.headers["x-llm-complexity"], COMPLEXITIES, "x-llm-complexity") ??
    readLevel(metadata?.["complexity"], COMPLEXITIES, "metadata.complexity");
  return {
    sensitivity: SENSITIVITY_ORDER[detection.level] ?? "confidential",
    complexity: asked ?? estimateComplexity(input.features, thresholds),
    detected: detection.detected,
  };
}

/**
 * Runs the detectors over the texts in one pass. A detector that cannot raise the level any
 * further is not worth a scan, so none is read when none could, and reading stops as soon as
 * none can.
 */
function detect(texts: Iterable<string>, detectors: readonly Detector[], from: number): { level: number; detected: string[] } {
  let level = from;
  const detected: string[] = [];
  // The highest level any detector could raise the request to: reading stops once it is reached.
  let ceiling = level;
  for (const detector of detectors) ceiling = Math.max(ceiling, rank(detector.level));
  if (ceiling === level) return { level, detected };
  for (const text of texts) {
    for (const detector of detectors) {
      if (rank(detector.level) > level && detector.pattern.test(text)) {
        detected.push(detector.name);
        level = rank(detector.level);
      }
    }
    if (level === ceiling) break;
  }
  return { level, detected };
}

export function estimateComplexity(features: RequestFeatures, t: RawConfig["routing"]["complexity"]): Complexity {
  if (features.promptTokens >= t.complex_tokens) return "complex";
  if (features.promptTokens >= t.moderate_tokens || features.hasTools || (features.maxTokens ?? 0) >= t.long_output_tokens) return "moderate";
  return "simple";
}

function rank(level: Sensitivity): number {
  return SENSITIVITY_ORDER.indexOf(level);
}

function readLevel<T extends string>(value: unknown, allowed: readonly T[], where: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  const text: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (typeof text === "string") {
    const normalized = text.trim().toLowerCase();
    if ((allowed as readonly string[]).includes(normalized)) return normalized as T;
  }
  throw new RoutingError("invalid_header", `${where} must be one of ${allowed.join(", ")}`, where);
}

function metadataOf(req: MeasuredRequest): Record<string, unknown> | undefined {
  const metadata = (req as { metadata?: unknown }).metadata;
  return typeof metadata === "object" && metadata !== null ? (metadata as Record<string, unknown>) : undefined;
}
