// A request the gateway cannot translate for the chosen provider: an unsupported parameter,
// an unreadable image. The client gets a 400 naming the parameter; no fallback is tried,
// since the request itself is the problem.
export class GatewayInputError extends Error {
  override readonly name = "GatewayInputError";
  readonly param: string | undefined;
  readonly code: string | undefined;

  constructor(message: string, param?: string, code?: string) {
    super(message);
    this.param = param;
    this.code = code;
  }
}
