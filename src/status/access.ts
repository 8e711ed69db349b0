// Who may read the status page: whoever holds the metrics token, as `Authorization: Bearer`
// (scripts) or as the password of HTTP Basic auth (a browser asks for it once and sends it
// with the page's own refreshes). Without a token configured, like /metrics, it is open.
import { bearerGuard } from "../http/routes/metrics.ts";

export function statusGuard(token: string | undefined): (authorization: string | undefined) => boolean {
  if (token === undefined) return () => true;
  const bearer = bearerGuard(token);
  return (header) => bearer(header) || bearer(basicAsBearer(header));
}

/** `Basic base64(user:password)` as `Bearer password`; any user name is accepted. */
function basicAsBearer(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : `Bearer ${decoded.slice(colon + 1)}`;
}
