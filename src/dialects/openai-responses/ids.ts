// Ids in OpenAI's shapes: a prefix naming the kind (`resp_`, `msg_`, `fc_`, `rs_`) and random hex.
import { randomBytes } from "node:crypto";

export type IdPrefix = "resp" | "msg" | "fc" | "rs" | "fco" | "item";

export const newId = (prefix: IdPrefix): string => `${prefix}_${randomBytes(prefix === "resp" ? 24 : 16).toString("hex")}`;
