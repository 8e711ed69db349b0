import { createMemoryStore } from "../../src/limits/memory-store.ts";
import { storeContract } from "./store-contract.ts";

storeContract("memory", (clock) => createMemoryStore({ clock }));
