// Which IP addresses an image fetch may connect to: only globally reachable unicast ones.
// Every special-purpose range (private, loopback, link-local, CGNAT, multicast, reserved,
// documentation, benchmarking) is refused, and an IPv6 address that carries an IPv4 one
// (IPv4-mapped or -translated, NAT64, 6to4) is judged by the IPv4 address inside it too, so
// `::ffff:127.0.0.1` or `64:ff9b::a9fe:a9fe` is the loopback or metadata address it stands for.
import { BlockList, isIP } from "node:net";

const V4_NOT_PUBLIC: readonly (readonly [string, number])[] = [
  ["0.0.0.0", 8], // "this network"; 0.0.0.0 reaches the local host
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata services
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation (TEST-NET-1)
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation (TEST-NET-2)
  ["203.0.113.0", 24], // documentation (TEST-NET-3)
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and the broadcast address
];

const V6_NOT_PUBLIC: readonly (readonly [string, number])[] = [
  ["::", 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ["64:ff9b:1::", 48], // NAT64 for local use
  ["100::", 64], // discard-only
  ["2001::", 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID
  ["2001:db8::", 32], // documentation
  ["3fff::", 20], // documentation
  ["5f00::", 16], // SRv6 segment identifiers
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
];

const blocked = new BlockList();
for (const [network, prefix] of V4_NOT_PUBLIC) blocked.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of V6_NOT_PUBLIC) blocked.addSubnet(network, prefix, "ipv6");

/**
 * True for a globally reachable unicast address, in any spelling Node accepts (brackets and
 * an IPv6 zone are ignored); false for anything else, including text that is not an address.
 */
export function isPublicAddress(address: string): boolean {
  const ip = address.replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "");
  switch (isIP(ip)) {
    case 4:
      return !blocked.check(ip, "ipv4");
    case 6: {
      if (blocked.check(ip, "ipv6")) return false;
      const inner = embeddedIPv4(ipv6Words(ip));
      return inner === undefined || !blocked.check(inner, "ipv4");
    }
    default:
      return false;
  }
}

/** The IPv4 address an IPv6 one is built around, where the form says which bits hold it. */
export function embeddedIPv4(words: readonly number[]): string | undefined {
  const zero = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const [w0 = 0, w1 = 0, w2 = 0, , w4 = 0, w5 = 0, w6 = 0, w7 = 0] = words;
  if (zero(0, 5) && w5 === 0xffff) return v4(w6, w7); // IPv4-mapped ::ffff:a.b.c.d
  if (zero(0, 4) && w4 === 0xffff && w5 === 0) return v4(w6, w7); // IPv4-translated ::ffff:0:a.b.c.d
  if (w0 === 0x64 && w1 === 0xff9b && zero(2, 6)) return v4(w6, w7); // NAT64 64:ff9b::a.b.c.d
  if (w0 === 0x2002) return v4(w1, w2); // 6to4 2002:aabb:ccdd::
  return undefined;
}

/** The eight 16-bit words of a valid IPv6 address (a dotted IPv4 tail is two of them). */
export function ipv6Words(address: string): number[] {
  let text = address;
  const tail = text.lastIndexOf(":");
  if (text.includes(".", tail)) {
    const [a = 0, b = 0, c = 0, d = 0] = text.slice(tail + 1).split(".").map(Number);
    text = `${text.slice(0, tail + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const before = head === "" ? [] : head.split(":");
  const after = rest === undefined || rest === "" ? [] : rest.split(":");
  const gap = rest === undefined ? 0 : 8 - before.length - after.length;
  return [...before, ...Array<string>(gap).fill("0"), ...after].map((w) => parseInt(w, 16));
}
