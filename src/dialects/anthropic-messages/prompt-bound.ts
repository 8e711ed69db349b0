// A cheap upper bound of a Messages body's prompt estimate for a model counted with the
// character approximation (estimatePromptTokens on the chat translation), from one walk of the
// body as sent: no translation is built for a request served on the native lane far from its
// token limits. The limiter counts exactly near a limit, so the bound only has to be safe.
//
// Why it bounds: the approximation charges at most one token a character, and every text the
// estimate reads is a string of the body, a role, or a JSON serialisation of a body value (tool
// input, tool and schema parameters), whose escapes take at most 6 ASCII characters (1.5 tokens)
// for a character. So each character of a string or key is charged 2, each member 3 more for its
// quotes, colon and comma, each number, boolean or null 24 (the longest a double serialises to),
// and each object or array NODE_TOKENS, more than the most any one message, tool, tool call or
// media part adds beside its texts (a 2048x768 image is 1,445 tokens, a file id 1,000).

const NODE_TOKENS = 1_500;
const PRIMITIVE_TOKENS = 24;
const MEMBER_TOKENS = 3;
/** Reply priming, the tools' overhead and the response format's, once each. */
const FIXED_TOKENS = 64;

export function messagesPromptBound(body: Readonly<Record<string, unknown>>): number {
  return FIXED_TOKENS + valueBound(body);
}

function valueBound(value: unknown): number {
  if (typeof value === "string") return 2 * value.length + MEMBER_TOKENS;
  if (typeof value !== "object" || value === null) return PRIMITIVE_TOKENS;
  let tokens = NODE_TOKENS;
  if (Array.isArray(value)) {
    for (const item of value) tokens += valueBound(item);
    return tokens;
  }
  for (const name in value) tokens += 2 * name.length + MEMBER_TOKENS + valueBound((value as Record<string, unknown>)[name]);
  return tokens;
}
