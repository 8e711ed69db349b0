// A web server that hosts images for `image_url` parts, and misbehaves on request: each path
// names what it does. It records the requests it received and tracks its open sockets, so a
// test can wait until the gateway has let go of every connection.
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001", "hex");

/**
 * /ok.png the image; /404 and /500 those statuses with a body; /oversize a declared length
 * past any small limit; /oversize-chunked the same without a length; /hang no headers ever;
 * /hang-body headers and part of the body, then nothing; /reset headers and part of the body,
 * then the socket is destroyed; /reset-early the socket destroyed before any answer; /redirect
 * a 302 to /ok.png.
 */
export interface ImageServer {
  readonly origin: string;
  readonly port: number;
  /** Paths requested, in arrival order. */
  readonly requests: string[];
  /** Sockets still open: 0 once every connection the gateway made is gone. */
  openSockets(): number;
  /** Connections accepted since the start (or the last `reset`). */
  connections(): number;
  /** Forgets the requests and connections seen so far. */
  reset(): void;
  url(path: string): string;
  close(): Promise<void>;
}

export async function startImageServer(): Promise<ImageServer> {
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  let accepted = 0;
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    requests.push(path);
    // Every answer closes its connection, so "no open sockets" means the gateway is done with it.
    res.shouldKeepAlive = false;
    switch (path) {
      case "/ok.png":
        res.writeHead(200, { "content-type": "image/png" }).end(PNG);
        return;
      case "/404":
      case "/500":
        res.writeHead(Number(path.slice(1)), { "content-type": "text/html" }).end("<h1>no image here</h1>".repeat(64));
        return;
      case "/oversize":
        res.writeHead(200, { "content-type": "image/png", "content-length": String(1 << 20) });
        res.write(Buffer.alloc(4096));
        return;
      case "/oversize-chunked":
        res.writeHead(200, { "content-type": "image/png" });
        for (let i = 0; i < 64; i++) res.write(Buffer.alloc(4096));
        return;
      case "/hang":
        return;
      case "/hang-body":
        res.writeHead(200, { "content-type": "image/png", "content-length": "512" });
        res.write(PNG);
        return;
      case "/reset":
        res.writeHead(200, { "content-type": "image/png", "content-length": "512" });
        res.write(PNG, () => setImmediate(() => req.socket.destroy()));
        return;
      case "/reset-early":
        req.socket.destroy();
        return;
      case "/redirect":
        res.writeHead(302, { location: "/ok.png" }).end();
        return;
      default:
        res.writeHead(404).end();
    }
  });
  server.on("connection", (socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    port,
    requests,
    openSockets: () => sockets.size,
    connections: () => accepted,
    reset() {
      requests.length = 0;
      accepted = 0;
    },
    url: (path) => `${origin}${path}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
