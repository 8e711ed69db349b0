// One call to one target as the adapter sees it (its CallOptions) and as the executor bounds
// it: the first-byte and total timeouts, and the client's leaving, all abort it. One timer
// serves both deadlines: armed for the nearer one, and when that is the first byte and the
// answer has begun, armed again for what is left of the total. The call hears the client's
// leaving through the request's ClientLink (no listener or closure per call), and collects the
// adapter's warnings.
import type { ConcreteTarget } from "../config/types.ts";
import type { ImagePolicy } from "../providers/images.ts";
import type { CallOptions } from "../providers/types.ts";

export type Deadline = "first_byte" | "total";

/** The reason a call is aborted with when the client went away. */
export class ClientGone extends Error {}

export interface CallContext {
  readonly requestId: string;
  readonly publicModel: string;
  /** The client's side of the request: its signal, and the slot of the call running for it. */
  readonly client: ClientLink;
  readonly images: ImagePolicy;
}

/**
 * The client's abort signal, and the one call running for it: leaving aborts the signal, then
 * the call. Attempts run one at a time, so a slot replaces an abort listener added and removed
 * per call (EventTarget's bookkeeping is a measurable part of a short request).
 */
export class ClientLink {
  private readonly controller = new AbortController();
  readonly signal: AbortSignal = this.controller.signal;
  /** The call running now, if any (TargetCall sets and clears it). */
  current: TargetCall | undefined;

  leave(reason: Error): void {
    this.controller.abort(reason);
    const call = this.current;
    this.current = undefined;
    call?.clientLeaves();
  }
}

export class TargetCall implements CallOptions {
  readonly signal: AbortSignal;
  readonly requestId: string;
  readonly publicModel: string;
  readonly defaultMaxTokens: number | undefined;
  readonly images: ImagePolicy;
  readonly warnings: string[] = [];
  /** Which deadline aborted the call, if one did. */
  timedOut: Deadline | undefined;
  private readonly controller = new AbortController();
  private readonly target: ConcreteTarget;
  private readonly client: ClientLink;
  private readonly started: number;
  private armedFor: Deadline;
  private timer: NodeJS.Timeout;
  private answered = false;

  constructor(target: ConcreteTarget, ctx: CallContext, started: number) {
    this.signal = this.controller.signal;
    this.requestId = ctx.requestId;
    this.publicModel = ctx.publicModel;
    this.defaultMaxTokens = target.defaultMaxTokens;
    this.images = ctx.images;
    this.target = target;
    this.client = ctx.client;
    this.started = started;
    // On a tie the first-byte deadline is the one reported, as when each had its own timer.
    this.armedFor = target.firstByteTimeoutMs <= target.timeoutMs ? "first_byte" : "total";
    this.timer = setTimeout(onDeadline, Math.min(target.firstByteTimeoutMs, target.timeoutMs), this);
    this.client.current = this;
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  /** The answer has begun: from now on only the total timeout applies. */
  answer(): void {
    this.answered = true;
  }

  /** Ends the timeout and the client's hold on the call: the response is done (or the call failed). */
  finish(): void {
    clearTimeout(this.timer);
    if (this.client.current === this) this.client.current = undefined;
  }

  get clientLeft(): boolean {
    return this.client.signal.aborted;
  }

  /** How long the deadline that fired was, in ms. */
  limitMs(deadline: Deadline): number {
    return deadline === "first_byte" ? this.target.firstByteTimeoutMs : this.target.timeoutMs;
  }

  /** The client went away (called by its ClientLink). */
  clientLeaves(): void {
    this.controller.abort(new ClientGone("client disconnected"));
  }

  expire(): void {
    if (this.armedFor === "first_byte" && this.answered) {
      const left = this.target.timeoutMs - (performance.now() - this.started);
      if (left > 0) {
        this.armedFor = "total";
        this.timer = setTimeout(onDeadline, left, this);
        return;
      }
    }
    const deadline = this.armedFor === "first_byte" && !this.answered ? "first_byte" : "total";
    this.timedOut = deadline;
    this.controller.abort(new Error(deadline === "first_byte" ? "first byte timeout" : "total timeout"));
  }
}

function onDeadline(call: TargetCall): void {
  call.expire();
}
