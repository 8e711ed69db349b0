// The text a large JSON body was parsed from, kept beside the parsed object so that forwarding
// it with a few top-level fields changed (the upstream model, stream_options) is a splice of
// that text instead of serialising a prompt of megabytes again. Valid only while the object is
// unchanged: nothing in the gateway changes a parsed request in place (a change is a copy, and
// a copy has no source text), so an object found here still says what its text says.
//
// The splice keeps the client's bytes between the changed fields: its whitespace, number
// spellings and escapes, all of which parse to the same values.
import { skipJsonSpace } from "./whitespace.ts";

/** Below this many characters serialising again costs less than scanning the text. */
export const SPLICE_MIN_CHARS = 16_384;

const sources = new WeakMap<object, string>();

/** Keeps `text` as the source of `value`, just parsed from it (small bodies are not kept). */
export function rememberSource(value: unknown, text: string): void {
  if (text.length >= SPLICE_MIN_CHARS && typeof value === "object" && value !== null && !Array.isArray(value)) sources.set(value, text);
}

/**
 * `JSON.stringify({ ...value, ...changes })`, spliced into the source text of `value` when it has
 * one (a changed field keeps its place, a new one goes last, as the spread would put them) and
 * only when that text cannot read otherwise to another parser than it did to the gateway, which
 * checked the parsed value. So every object's keys are distinct (of a repeated key JSON.parse keeps the last, a parser
 * that keeps the first would read text nothing checked) and every number is one a double holds
 * as written (at most 15 digits, no exponent: a parser with big numbers would read other digits).
 * Otherwise the value is serialised, and the upstream reads exactly what was checked.
 */
export function stringifyWith(value: Readonly<Record<string, unknown>>, changes: Readonly<Record<string, unknown>>): string {
  const source = sources.get(value);
  const spliced = source === undefined ? undefined : splice(source, changes, value);
  return spliced ?? JSON.stringify({ ...value, ...changes });
}

interface Span {
  readonly start: number;
  readonly end: number;
}

/** What a scan of the text saw: keys at every depth, and whether every number reads one way. */
interface Tally {
  keys: number;
  plainNumbers: boolean;
}

/** `parsed`: the value the text parsed to; the splice is made only if the text reads one way (see stringifyWith). */
function splice(source: string, changes: Readonly<Record<string, unknown>>, parsed: Readonly<Record<string, unknown>>): string | undefined {
  const tally: Tally = { keys: 0, plainNumbers: true };
  const fields = topLevelFields(source, tally);
  if (fields === undefined) return undefined;
  // Repeated keys parse to fewer keys than the text names.
  if (!tally.plainNumbers || tally.keys !== keyCount(parsed)) return undefined;
  const replaced: { span: Span; text: string }[] = [];
  let appended = "";
  for (const [name, change] of Object.entries(changes)) {
    if (change === undefined) return undefined; // a removal: not worth a splice
    const spans = fields.spans.get(name);
    // A repeated name parses to its last value; rather than reason about which one an upstream reads, serialise.
    if (spans !== undefined && spans.length > 1) return undefined;
    const text = JSON.stringify(change);
    const span = spans?.[0];
    if (span === undefined) appended += `${fields.empty && appended === "" ? "" : ","}${JSON.stringify(name)}:${text}`;
    else replaced.push({ span, text });
  }
  replaced.sort((a, b) => a.span.start - b.span.start);
  let out = "";
  let at = 0;
  for (const { span, text } of replaced) {
    out += source.slice(at, span.start) + text;
    at = span.end;
  }
  return out + source.slice(at, fields.close) + appended + source.slice(fields.close);
}

/**
 * Where each top-level field's value lies in a JSON object's text, and where its closing brace
 * is. The text has already parsed, so it is valid JSON; undefined if it is not an object.
 * Strings are skipped with indexOf, so a prompt costs a few native searches, not a loop per
 * character.
 */
function topLevelFields(text: string, tally?: Tally): { spans: Map<string, Span[]>; close: number; empty: boolean } | undefined {
  const spans = new Map<string, Span[]>();
  let at = skipJsonSpace(text, 0);
  if (text.charCodeAt(at) !== OPEN_BRACE) return undefined;
  at = skipJsonSpace(text, at + 1);
  if (text.charCodeAt(at) === CLOSE_BRACE) return { spans, close: at, empty: true };
  for (;;) {
    if (text.charCodeAt(at) !== QUOTE) return undefined;
    const keyEnd = stringEnd(text, at);
    const name = JSON.parse(text.slice(at, keyEnd)) as string;
    at = skipJsonSpace(text, keyEnd);
    if (text.charCodeAt(at) !== COLON) return undefined;
    const start = skipJsonSpace(text, at + 1);
    const end = valueEnd(text, start, tally);
    if (tally !== undefined) tally.keys += 1;
    const list = spans.get(name);
    if (list === undefined) spans.set(name, [{ start, end }]);
    else list.push({ start, end });
    at = skipJsonSpace(text, end);
    const c = text.charCodeAt(at);
    if (c === CLOSE_BRACE) return { spans, close: at, empty: false };
    if (c !== COMMA) return undefined;
    at = skipJsonSpace(text, at + 1);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** Just past the closing quote of the string that opens at `from`. */
function stringEnd(text: string, from: number): number {
  let at = from + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote < 0) return text.length;
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes += 1;
    if (slashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

/** Just past the value that starts at `from`; with a tally, its keys counted and its numbers checked. */
function valueEnd(text: string, from: number, tally?: Tally): number {
  const first = text.charCodeAt(from);
  if (first === QUOTE) return stringEnd(text, from);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) return scalarEnd(text, from, tally);
  let depth = 0;
  let at = from;
  while (at < text.length) {
    const c = text.charCodeAt(at);
    if (c === QUOTE) {
      at = stringEnd(text, at);
      // A string followed by a colon is a key.
      if (tally !== undefined && text.charCodeAt(skipJsonSpace(text, at)) === COLON) tally.keys += 1;
      continue;
    }
    if (tally !== undefined && (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9))) {
      at = scalarEnd(text, at, tally);
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth += 1;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1;
      if (depth === 0) return at + 1;
    }
    at += 1;
  }
  return at;
}

/** Just past a number, `true`, `false` or `null`; with a tally, a number that may read two ways noted. */
function scalarEnd(text: string, from: number, tally?: Tally): number {
  let at = from;
  let digits = 0;
  let exponent = false;
  for (;;) {
    const c = text.charCodeAt(at);
    if (Number.isNaN(c) || c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) break;
    if (c >= DIGIT_0 && c <= DIGIT_9) digits += 1;
    else if (c === LOWER_E || c === UPPER_E) exponent = true;
    at += 1;
  }
  const first = text.charCodeAt(from);
  const number = first === MINUS || (first >= DIGIT_0 && first <= DIGIT_9);
  if (tally !== undefined && number && (exponent || digits > EXACT_DIGITS)) tally.plainNumbers = false;
  return at;
}

/** A number of at most this many digits, without an exponent, survives a double: every parser reads the digits written. */
const EXACT_DIGITS = 15;

/** Keys of every object in a parsed JSON value. */
function keyCount(root: unknown): number {
  let count = 0;
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== "object" || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === "object" && item !== null) pending.push(item);
      continue;
    }
    const keys = Object.keys(value);
    count += keys.length;
    for (const key of keys) {
      const item = (value as Record<string, unknown>)[key];
      if (typeof item === "object" && item !== null) pending.push(item);
    }
  }
  return count;
}
