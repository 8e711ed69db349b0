// How a finished request is classified for metrics and logs.

export type Outcome = "success" | "error" | "client_abort" | "stream_error";

/** Status a client that left before any response is logged with (nginx's "client closed request"). */
export const CLIENT_CLOSED_STATUS = 499;

const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/** "2xx", "4xx", ...; anything out of range is "5xx" (it can only be a gateway bug). */
export function statusClass(status: number): string {
  return CLASSES[Math.floor(status / 100) - 1] ?? "5xx";
}

export interface OutcomeFacts {
  status: number;
  /** A stream that failed after its head went out. */
  streamError: boolean;
  /** The client went away before the response was complete. */
  clientGone: boolean;
}

export function outcomeOf(facts: OutcomeFacts): Outcome {
  if (facts.streamError) return "stream_error";
  if (facts.clientGone || facts.status === CLIENT_CLOSED_STATUS) return "client_abort";
  return facts.status >= 400 ? "error" : "success";
}
