// JSON's insignificant whitespace (space, tab, line feed, carriage return), for the scanners
// that read JSON text without parsing it.

/** The index of the first character at or after `from` that is not JSON whitespace. */
export function skipJsonSpace(text: string, from: number): number {
  let at = from;
  for (let c = text.charCodeAt(at); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(++at));
  return at;
}
