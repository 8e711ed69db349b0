// The connection side of the address policy. The decision is made where the socket is opened,
// on the addresses it will connect to: a name is resolved once, by the connection itself, so a
// resolver that answers differently on a second lookup (DNS rebinding) has no second lookup to
// answer; an IP literal is judged as written. The connected socket's peer address is checked
// once more before a byte is sent.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { Agent, buildConnector } from "undici";
import { isPublicAddress } from "./address-guard.ts";

/** Why a connection was refused; internal only, clients see one generic message. */
export class NonPublicAddressError extends Error {
  override readonly name = "NonPublicAddressError";
  constructor() {
    super("connection to a non-public address refused by the image URL policy");
  }
}

/** How names are resolved: `dns.lookup` in production, a scripted one in tests. */
export type Resolve = (hostname: string, callback: (error: Error | null, addresses: readonly LookupAddress[]) => void) => void;

const systemResolve: Resolve = (hostname, callback) => dnsLookup(hostname, { all: true }, callback);

/** An undici Agent that connects only to public addresses. */
export function createPublicOnlyAgent(resolve: Resolve = systemResolve): Agent {
  return new Agent({ connect: publicOnlyConnector(resolve) });
}

let shared: Agent | undefined;

/** The process's one public-only Agent, so image fetches share its keep-alive connections. */
export function publicOnlyAgent(): Agent {
  return (shared ??= createPublicOnlyAgent());
}

function publicOnlyConnector(resolve: Resolve): buildConnector.connector {
  const connect = buildConnector({ lookup: publicLookup(resolve) });
  return (options, callback) => {
    // Node skips the lookup for an IP literal, so it is judged here.
    if (isIP(options.hostname) !== 0 && !isPublicAddress(options.hostname)) {
      queueMicrotask(() => callback(new NonPublicAddressError(), null));
      return;
    }
    connect(options, (...result) => {
      const [error, socket] = result;
      if (error) return callback(error, null);
      if (!isPublicAddress(socket.remoteAddress ?? "")) {
        socket.destroy();
        return callback(new NonPublicAddressError(), null);
      }
      callback(null, socket);
    });
  };
}

/** A `net.connect` lookup that fails unless every address the name has is public. */
function publicLookup(resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (error, all) => {
      if (error) return callback(error, "");
      const usable = all.filter((a) => options.family === undefined || options.family === 0 || a.family === options.family);
      const first = usable[0];
      if (!first || all.some((a) => !isPublicAddress(a.address))) return callback(new NonPublicAddressError(), "");
      if (options.all) callback(null, usable);
      else callback(null, first.address, first.family);
    });
  };
}
