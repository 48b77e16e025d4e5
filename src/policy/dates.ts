/**
 * Dates as the Date* condition operators read them: ISO 8601 (`2024-05-01`, `2024-05-01T12:00:00Z`,
 * `2024-05-01T12:00:00.123+02:00`; no zone means UTC) or epoch seconds (`1714564800`). Returns milliseconds
 * since the epoch, or NaN when the text is neither.
 */
const ISO_8601 =
  /^(-?\d{4,9})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?$/;
const EPOCH = /^-?\d+(?:\.\d+)?$/;

export function parseDate(text: string): number {
  const s = text.trim();
  if (EPOCH.test(s)) return Number(s) * 1000;
  const m = ISO_8601.exec(s);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, sec, frac, , sign, oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = sec === undefined ? 0 : Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  const utc = new Date(0);
  utc.setUTCFullYear(Number(y), month - 1, day);
  utc.setUTCHours(hour, minute, second, ms);
  let t = utc.getTime();
  if (utc.getUTCDate() !== day) return Number.NaN; // 2024-02-31 and friends
  if (sign !== undefined) {
    const offsetMinutes = Number(oh) * 60 + (om === undefined ? 0 : Number(om));
    if (Number(oh) > 23 || (om !== undefined && Number(om) > 59)) return Number.NaN;
    t -= (sign === '+' ? 1 : -1) * offsetMinutes * 60_000;
  }
  return t;
}
