// What the router reads of a Messages request when the door hands it the texts and the features
// itself: the model asked for and the routing hints. No messages: nothing reads them.
import type { ChatRequest } from "../../providers/types.ts";
import type { MessagesRequest } from "./request.ts";

export function routingView(req: MessagesRequest): ChatRequest {
  return { model: req.model, messages: [], ...(req.hints ? { metadata: req.hints } : {}) } as ChatRequest;
}
