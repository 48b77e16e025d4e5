/**
 * Longest request value an error message repeats (UNCONFIRMED whether and where AWS cuts): enough for any name, ARN
 * or URL a person would read, while a 500 KB parameter is not sent back. Escaping happens where the XML is written.
 * A module of its own so that the library layers (sigv4, policy), which write their own messages, need no wire error.
 */
export const MAX_ECHOED = 512;

/** A request value as an error message quotes it: cut to MAX_ECHOED (never inside a surrogate pair), saying how long it was. */
export function echoed(value: string): string {
  if (value.length <= MAX_ECHOED) return value;
  const end =
    value.charCodeAt(MAX_ECHOED - 1) >= 0xd800 && value.charCodeAt(MAX_ECHOED - 1) <= 0xdbff
      ? MAX_ECHOED - 1
      : MAX_ECHOED;
  return `${value.slice(0, end)}...(${value.length} characters)`;
}
