// A request's plan: the ordered concrete targets of its public model. Fallback groups keep
// their order; loadbalance groups draw entries by weight (without replacement), so the rest
// of the group still serves as fallbacks.
import type { ConcreteTarget, RouteNode } from "../config/types.ts";

export interface PlanOptions {
  random?: () => number;
  /** Loadbalance draws among healthy entries first; the unhealthy ones trail as fallbacks. */
  isHealthy?: (target: ConcreteTarget) => boolean;
}

/** Plans of routes that draw nothing (no loadbalance group): the same for every request, built once. */
const fixedPlans = new WeakMap<RouteNode, readonly ConcreteTarget[] | null>();

/**
 * The plan of a route without loadbalance groups (neither `random` nor health changes it),
 * built on first use and shared by every request (read-only); undefined for a route that draws.
 */
export function fixedPlan(route: RouteNode): readonly ConcreteTarget[] | undefined {
  let plan = fixedPlans.get(route);
  if (plan === undefined) {
    plan = draws(route) ? null : planFor(route);
    fixedPlans.set(route, plan);
  }
  return plan ?? undefined;
}

function draws(node: RouteNode): boolean {
  return node.kind === "group" && (node.strategy !== "fallback" || node.entries.some((e) => draws(e.node)));
}

export function planFor(route: RouteNode, options: PlanOptions = {}): ConcreteTarget[] {
  const out: ConcreteTarget[] = [];
  const seen = new Set<string>();
  const random = options.random ?? Math.random;
  const visit = (node: RouteNode): void => {
    if (node.kind === "target") {
      const id = `${node.target.provider}\u0000${node.target.model}`;
      if (!seen.has(id)) {
        seen.add(id);
        out.push(node.target);
      }
      return;
    }
    if (node.strategy === "fallback") {
      for (const entry of node.entries) visit(entry.node);
      return;
    }
    const healthy = options.isHealthy;
    const isUp = (n: RouteNode) => !healthy || leaves(n).some(healthy);
    const up = node.entries.filter((e) => isUp(e.node));
    const down = node.entries.filter((e) => !isUp(e.node));
    for (const entry of weightedOrder(up, random)) visit(entry.node);
    for (const entry of weightedOrder(down, random)) visit(entry.node);
  };
  visit(route);
  return out;
}

/** Weighted random order without replacement. */
export function weightedOrder<T extends { weight: number }>(entries: readonly T[], random: () => number): T[] {
  const pool = [...entries];
  const order: T[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, e) => sum + e.weight, 0);
    let pick = random() * total;
    let index = pool.length - 1;
    for (let i = 0; i < pool.length; i++) {
      pick -= (pool[i] as T).weight;
      if (pick < 0) {
        index = i;
        break;
      }
    }
    order.push(...pool.splice(index, 1));
  }
  return order;
}

function leaves(node: RouteNode): ConcreteTarget[] {
  return node.kind === "target" ? [node.target] : node.entries.flatMap((e) => leaves(e.node));
}
