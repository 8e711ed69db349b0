// Keeps the concurrency slots and budget holds this process holds alive in the store. Both are
// leased, not owned: if this replica dies, they lapse after `leaseMs` and other replicas get the
// slots and the held money back. While a request runs, one timer renews everything held in a
// single store call every leaseMs / 3, so a renewal can fail twice before a live request loses
// its lease. This keeps the lease short (a crashed replica's holds return within seconds)
// without tying it to the longest request the gateway allows (streams may run for many minutes).
import type { LimitStore, SlotRef, SlotRenewal } from "./types.ts";

export type LeaseKind = "slot" | "budget";

export interface SlotLeases {
  hold(ref: SlotRef, kind: LeaseKind): void;
  drop(ref: SlotRef, kind: LeaseKind): void;
  /** Concurrency slots held. */
  readonly size: number;
  close(): void;
}

export function createSlotLeases(
  store: LimitStore,
  leaseMs: number,
  onError: (error: unknown) => void,
): SlotLeases {
  const held: Record<LeaseKind, Map<string, SlotRenewal>> = { slot: new Map(), budget: new Map() };
  let timer: NodeJS.Timeout | undefined;
  let renewing = false;
  const total = () => held.slot.size + held.budget.size;

  function renewAll(): void {
    // Stopped here rather than on every drop to zero: a busy process would otherwise start and
    // clear a timer for nearly every request.
    if (total() === 0) {
      stop();
      return;
    }
    if (renewing) return;
    renewing = true;
    void store
      .renew([...held.slot.values()], [...held.budget.values()])
      .catch(onError)
      .finally(() => {
        renewing = false;
      });
  }

  function stop(): void {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  }

  return {
    hold(ref, kind) {
      held[kind].set(ref.id, { key: ref.key, id: ref.id, leaseMs });
      if (timer === undefined) {
        timer = setInterval(renewAll, Math.max(10, Math.floor(leaseMs / 3)));
        timer.unref();
      }
    },
    drop(ref, kind) {
      held[kind].delete(ref.id);
    },
    get size() {
      return held.slot.size;
    },
    close() {
      stop();
      held.slot.clear();
      held.budget.clear();
    },
  };
}
