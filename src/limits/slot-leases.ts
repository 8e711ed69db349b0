// Keeps the concurrency slots this process holds alive in the store. A slot is leased, not
// owned: if this replica dies, its slots lapse after `leaseMs` and other replicas get them
// back. While a request runs, one timer renews every held slot in a single store call every
// leaseMs / 3, so a renewal can fail twice before a live request loses its slot. This keeps
// the lease short (a crashed replica's slots return within seconds) without tying it to the
// longest request the gateway allows (streams may run for many minutes).
import type { LimitStore, SlotRef, SlotRenewal } from "./types.ts";

export interface SlotLeases {
  hold(slot: SlotRef): void;
  drop(slot: SlotRef): void;
  readonly size: number;
  close(): void;
}

export function createSlotLeases(
  store: LimitStore,
  leaseMs: number,
  onError: (error: unknown) => void,
): SlotLeases {
  const held = new Map<string, SlotRenewal>();
  let timer: NodeJS.Timeout | undefined;
  let renewing = false;

  function renewAll(): void {
    if (renewing || held.size === 0) return;
    renewing = true;
    void store
      .renew([...held.values()])
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
    hold(slot) {
      held.set(slot.id, { key: slot.key, id: slot.id, leaseMs });
      if (timer === undefined) {
        timer = setInterval(renewAll, Math.max(10, Math.floor(leaseMs / 3)));
        timer.unref();
      }
    },
    drop(slot) {
      held.delete(slot.id);
      if (held.size === 0) stop();
    },
    get size() {
      return held.size;
    },
    close() {
      stop();
      held.clear();
    },
  };
}
