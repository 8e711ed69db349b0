// OpenAI tool-call ids for Gemini function calls. Gemini returns calls without usable ids, and
// Gemini 2.5+/3 attach a `thoughtSignature` to a function call that must be sent back with that
// call on the next turn. The gateway keeps no state between requests, so the signature travels
// inside the id the client echoes back:
//
//   call_<response>_<choice>_<n>                        no signature
//   call_<response>_<choice>_<n>__ts_<base64url(sig)>    signature (standard base64, re-alphabeted)
//   call_<response>_<choice>_<n>__tr_<base64url(utf8)>   signature that is not base64 (defensive)
//
// Only [A-Za-z0-9_-] appear, so the id stays valid for upstreams with strict id alphabets
// (Anthropic) when a conversation falls back to another provider.

const BASE64 = "__ts_";
const RAW = "__tr_";
const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function toolCallId(completionId: string, choice: number, index: number, signature?: string): string {
  const key = completionId.replace(/^chatcmpl-/, "").replace(/[^A-Za-z0-9]/g, "");
  const base = `call_${key}_${choice}_${index}`;
  if (!signature) return base;
  if (STRICT_BASE64.test(signature) && signature.length % 4 === 0) {
    return base + BASE64 + signature.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  return base + RAW + Buffer.from(signature, "utf8").toString("base64url");
}

/** The thought signature carried by an id from `toolCallId`, if any. */
export function thoughtSignatureOf(id: string): string | undefined {
  const b64 = id.indexOf(BASE64);
  if (b64 >= 0) {
    const body = id.slice(b64 + BASE64.length).replace(/-/g, "+").replace(/_/g, "/");
    return body + "=".repeat((4 - (body.length % 4)) % 4);
  }
  const raw = id.indexOf(RAW);
  if (raw >= 0) return Buffer.from(id.slice(raw + RAW.length), "base64url").toString("utf8");
  return undefined;
}
