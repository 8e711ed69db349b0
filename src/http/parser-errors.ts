// Requests Node's HTTP parser refuses before any route sees them (a malformed request line,
// headers over the size limit, an unknown Expect) get the same error envelope as every other
// error, where Node hands them to us: its own answers have empty bodies. What Node still
// answers itself is listed in the README's Security section.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { GatewayError } from "./errors.ts";

export function answerParserErrors(server: Server): void {
  // Each socket's latest response: raw bytes written while it is under way would corrupt it.
  const answering = new WeakMap<Duplex, ServerResponse>();
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    answering.set(req.socket, res);
  });

  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    const latest = answering.get(socket);
    // Started and not finished (a finished one leaves the socket free for an answer).
    const started = latest !== undefined && latest.headersSent && !latest.writableFinished;
    if (error.code === "ECONNRESET" || !socket.writable || started) {
      socket.destroy();
      return;
    }
    const refusal = refusalFor(error.code);
    const body = JSON.stringify(refusal.envelope);
    const head = [
      `HTTP/1.1 ${refusal.status} ${STATUS_TEXT[refusal.status] ?? "Bad Request"}`,
      "content-type: application/json",
      `content-length: ${Buffer.byteLength(body)}`,
      "connection: close",
    ].join("\r\n");
    socket.end(`${head}\r\n\r\n${body}`, () => socket.destroy());
  });

  // An Expect other than 100-continue; Node would answer an empty 417.
  server.on("checkExpectation", (_req: IncomingMessage, res: ServerResponse) => {
    const refusal = new GatewayError(417, "invalid_request_error", `unsupported Expect header: only "100-continue" is understood`, {
      param: "expect",
      code: "expectation_failed",
      retryable: false,
    });
    const body = JSON.stringify(refusal.envelope);
    res.writeHead(417, { "content-type": "application/json", "content-length": Buffer.byteLength(body), connection: "close" });
    res.end(body);
  });
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
};

/** The parser's error code (llhttp's HPE_*, Node's ERR_*) as a client error; the code is a fixed word. */
function refusalFor(code: string | undefined): GatewayError {
  const init = { retryable: false };
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return new GatewayError(431, "invalid_request_error", "request headers are larger than the server accepts", { ...init, code: "headers_too_large" });
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return new GatewayError(413, "request_too_large", "chunk extensions are larger than the server accepts", { ...init, code: "request_too_large" });
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new GatewayError(408, "invalid_request_error", "request headers were not received in time", { ...init, code: "request_timeout" });
    default:
      return new GatewayError(400, "invalid_request_error", `malformed HTTP request${code === undefined ? "" : ` (${code})`}`, { ...init, code: "malformed_request" });
  }
}
