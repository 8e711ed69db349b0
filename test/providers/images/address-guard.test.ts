// The address classifier behind the image URL policy, over every spelling and range.
import { describe, expect, it } from "vitest";
import { embeddedIPv4, ipv6Words, isPublicAddress } from "../../../src/providers/images/address-guard.ts";

const NOT_PUBLIC: readonly [string, string][] = [
  ["0.0.0.0", "this network (reaches the local host)"],
  ["0.1.2.3", "this network"],
  ["10.0.0.1", "private"],
  ["100.64.0.1", "carrier-grade NAT"],
  ["100.127.255.254", "carrier-grade NAT"],
  ["127.0.0.1", "loopback"],
  ["127.255.255.254", "loopback"],
  ["169.254.169.254", "link-local (cloud metadata)"],
  ["172.16.0.1", "private"],
  ["172.31.255.255", "private"],
  ["192.0.0.170", "IETF protocol assignments"],
  ["192.0.2.1", "documentation"],
  ["192.88.99.1", "6to4 relay anycast"],
  ["192.168.1.1", "private"],
  ["198.18.0.1", "benchmarking"],
  ["198.19.255.255", "benchmarking"],
  ["198.51.100.7", "documentation"],
  ["203.0.113.9", "documentation"],
  ["224.0.0.1", "multicast"],
  ["239.255.255.250", "multicast"],
  ["240.0.0.1", "reserved"],
  ["255.255.255.255", "broadcast"],
  ["::", "IPv6 unspecified"],
  ["::1", "IPv6 loopback"],
  ["[::1]", "IPv6 loopback in brackets"],
  ["0:0:0:0:0:0:0:1", "IPv6 loopback, long form"],
  ["::ffff:127.0.0.1", "IPv4-mapped loopback"],
  ["::ffff:7f00:1", "IPv4-mapped loopback, hex"],
  ["0:0:0:0:0:ffff:7f00:0001", "IPv4-mapped loopback, long form"],
  ["[::ffff:169.254.169.254]", "IPv4-mapped metadata address"],
  ["::ffff:a9fe:a9fe", "IPv4-mapped metadata address, hex"],
  ["::ffff:10.1.2.3", "IPv4-mapped private"],
  ["::ffff:0.0.0.0", "IPv4-mapped this-network"],
  ["::ffff:0:7f00:1", "IPv4-translated loopback"],
  ["::127.0.0.1", "IPv4-compatible loopback"],
  ["::8.8.8.8", "IPv4-compatible (deprecated) public"],
  ["64:ff9b::127.0.0.1", "NAT64 loopback"],
  ["64:ff9b::a9fe:a9fe", "NAT64 metadata address"],
  ["64:ff9b:1::808:808", "NAT64 local use"],
  ["2002:7f00:1::1", "6to4 around loopback"],
  ["2002:c0a8:101::", "6to4 around 192.168.1.1"],
  ["2002:a9fe:a9fe::1", "6to4 around the metadata address"],
  ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"],
  ["2001:2::1", "benchmarking"],
  ["2001:db8::1", "documentation"],
  ["3fff::1", "documentation"],
  ["100::1", "discard-only"],
  ["5f00::1", "SRv6"],
  ["fc00::1", "unique local"],
  ["fd12:3456:789a::1", "unique local"],
  ["fe80::1", "link-local"],
  ["fe80::1%eth0", "link-local with a zone"],
  ["febf::1", "link-local"],
  ["fec0::1", "site-local"],
  ["ff02::1", "multicast"],
  ["localhost", "not an address"],
  ["", "empty"],
  ["127.1", "not an address in this spelling"],
];

const PUBLIC: readonly [string, string][] = [
  ["8.8.8.8", "public IPv4"],
  ["1.1.1.1", "public IPv4"],
  ["172.15.255.255", "just below 172.16/12"],
  ["172.32.0.1", "just above 172.16/12"],
  ["100.63.255.255", "just below CGNAT"],
  ["100.128.0.1", "just above CGNAT"],
  ["169.253.255.255", "just below link-local"],
  ["223.255.255.255", "just below multicast"],
  ["2606:4700:4700::1111", "public IPv6"],
  ["2a00:1450:4001:80b::200e", "public IPv6"],
  ["::ffff:8.8.8.8", "IPv4-mapped public"],
  ["64:ff9b::808:808", "NAT64 public"],
  ["2002:808:808::1", "6to4 around a public address"],
  ["2001:200::1", "just past the IETF assignments block"],
];

describe("isPublicAddress", () => {
  it.each(NOT_PUBLIC)("refuses %s (%s)", (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });
  it.each(PUBLIC)("allows %s (%s)", (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe("ipv6Words", () => {
  it.each([
    ["::", [0, 0, 0, 0, 0, 0, 0, 0]],
    ["::1", [0, 0, 0, 0, 0, 0, 0, 1]],
    ["1::", [1, 0, 0, 0, 0, 0, 0, 0]],
    ["2001:db8::8:800:200c:417a", [0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a]],
    ["::ffff:127.0.0.1", [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]],
    ["1:2:3:4:5:6:7:8", [1, 2, 3, 4, 5, 6, 7, 8]],
  ])("reads %s", (address, words) => {
    expect(ipv6Words(address)).toEqual(words);
  });
});

describe("embeddedIPv4", () => {
  it.each([
    ["::ffff:a9fe:a9fe", "169.254.169.254"],
    ["::ffff:0:a00:1", "10.0.0.1"],
    ["64:ff9b::c0a8:101", "192.168.1.1"],
    ["2002:7f00:1::", "127.0.0.1"],
    ["2606:4700::1111", undefined],
  ])("finds the IPv4 address inside %s", (address, inner) => {
    expect(embeddedIPv4(ipv6Words(address))).toBe(inner);
  });
});
