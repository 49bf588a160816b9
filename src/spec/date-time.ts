/**
 * Exact calendar arithmetic for Iceberg's date and time types, on plain numbers (days) and bigint
 * (micros and nanos). JS `Date` is never used: it has millisecond precision and local-time traps.
 *
 * Days are counted from 1970-01-01 in the proleptic Gregorian calendar (as Java's `LocalDate`
 * does), and every conversion that groups values (days, hours, months, years) floors, so values
 * before 1970 land in the right bucket (1969-12-31T23:59:59.999999 is day -1, hour -1, year -1).
 */
import { LakeError } from '../errors.js';

export const MICROS_PER_SECOND = 1_000_000n;
export const MICROS_PER_HOUR = 3_600_000_000n;
export const MICROS_PER_DAY = 86_400_000_000n;
export const NANOS_PER_MICRO = 1_000n;
export const NANOS_PER_SECOND = 1_000_000_000n;
export const NANOS_PER_HOUR = 3_600_000_000_000n;
export const NANOS_PER_DAY = 86_400_000_000_000n;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** Floor division for bigint (`/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Remainder with the sign of the divisor, matching `floorDiv`. */
export function floorMod(a: bigint, b: bigint): bigint {
  return a - floorDiv(a, b) * b;
}

/** Days since 1970-01-01 to a proleptic Gregorian date (any sign, any year). */
export function civilFromDays(days: number): CivilDate {
  // Howard Hinnant's days-to-civil algorithm: shift the epoch to 0000-03-01 so leap days fall last.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** Proleptic Gregorian date to days since 1970-01-01. The date must be valid (see `isValidDate`). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// ---- grouping conversions used by the year/month/day/hour transforms ----

/** Months since 1970-01 of a day count. */
export function daysToMonths(days: number): number {
  const c = civilFromDays(days);
  return (c.year - 1970) * 12 + (c.month - 1);
}

/** Years since 1970 of a day count. */
export function daysToYears(days: number): number {
  return civilFromDays(days).year - 1970;
}

export function microsToDays(micros: bigint): number {
  return Number(floorDiv(micros, MICROS_PER_DAY));
}

export function microsToHours(micros: bigint): number {
  return Number(floorDiv(micros, MICROS_PER_HOUR));
}

export function microsToMonths(micros: bigint): number {
  return daysToMonths(microsToDays(micros));
}

export function microsToYears(micros: bigint): number {
  return daysToYears(microsToDays(micros));
}

export function nanosToDays(nanos: bigint): number {
  return Number(floorDiv(nanos, NANOS_PER_DAY));
}

export function nanosToHours(nanos: bigint): number {
  return Number(floorDiv(nanos, NANOS_PER_HOUR));
}

export function nanosToMonths(nanos: bigint): number {
  return daysToMonths(nanosToDays(nanos));
}

export function nanosToYears(nanos: bigint): number {
  return daysToYears(nanosToDays(nanos));
}

/** Nanoseconds to microseconds, flooring (the spec's rule for hashing `timestamp_ns`). */
export function nanosToMicros(nanos: bigint): bigint {
  return floorDiv(nanos, NANOS_PER_MICRO);
}

export function microsToNanos(micros: bigint): bigint {
  return checkInt64(micros * NANOS_PER_MICRO, 'timestamp_ns');
}

/** Start of a day in micros since the epoch (v3 date -> timestamp promotion). */
export function daysToMicros(days: number): bigint {
  return checkInt64(BigInt(days) * MICROS_PER_DAY, 'timestamp');
}

/** Start of a day in nanos since the epoch (v3 date -> timestamp_ns promotion). */
export function daysToNanos(days: number): bigint {
  return checkInt64(BigInt(days) * NANOS_PER_DAY, 'timestamp_ns');
}

function checkInt64(v: bigint, what: string): bigint {
  if (v < INT64_MIN || v > INT64_MAX) throw new LakeError('INVALID_INPUT', `value is out of range for ${what}`);
  return v;
}

// ---- ISO-8601 parsing ----

const DATE_RE = /^([+-]\d{4,9}|\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/;
const OFFSET_RE = /^(?:([Zz])|([+-])(\d{2})(?::?(\d{2})(?::?(\d{2}))?)?)$/;

function bad(what: string, text: string, why?: string): LakeError {
  return new LakeError('INVALID_INPUT', `invalid ${what} "${text}"${why ? `: ${why}` : ''}`);
}

function parseDateParts(text: string, what: string, whole: string): number {
  const m = DATE_RE.exec(text);
  if (!m) throw bad(what, whole, 'expected YYYY-MM-DD');
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12) throw bad(what, whole, `month ${month} is out of range`);
  if (day < 1 || day > daysInMonth(year, month)) throw bad(what, whole, `day ${day} is out of range`);
  return daysFromCivil(year, month, day);
}

/** Nanoseconds since midnight. */
function parseTimeParts(text: string, what: string, whole: string): bigint {
  const m = TIME_RE.exec(text);
  if (!m) throw bad(what, whole, 'expected HH:MM[:SS[.fraction]]');
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = m[3] === undefined ? 0 : Number(m[3]);
  if (h > 23) throw bad(what, whole, `hour ${h} is out of range`);
  if (min > 59) throw bad(what, whole, `minute ${min} is out of range`);
  if (s > 59) throw bad(what, whole, `second ${s} is out of range`);
  const frac = m[4] === undefined ? 0n : BigInt(m[4].padEnd(9, '0'));
  return (BigInt(h * 3600 + min * 60 + s) * NANOS_PER_SECOND) + frac;
}

/** Offset in seconds east of UTC, or undefined when there is none. */
function parseOffset(text: string, whole: string): number {
  const m = OFFSET_RE.exec(text);
  if (!m) throw bad('zone offset', whole, 'expected Z or +HH:MM');
  if (m[1] !== undefined) return 0;
  const h = Number(m[3]);
  const min = m[4] === undefined ? 0 : Number(m[4]);
  const s = m[5] === undefined ? 0 : Number(m[5]);
  if (h > 18 || min > 59 || s > 59) throw bad('zone offset', whole, 'out of range');
  const total = h * 3600 + min * 60 + s;
  if (total > 18 * 3600) throw bad('zone offset', whole, 'out of range');
  return m[2] === '-' ? -total : total;
}

/** `YYYY-MM-DD` (years outside 0000..9999 with a sign, as ISO-8601 and Java write them) to days. */
export function isoDateToDays(text: string): number {
  const days = parseDateParts(text.trim(), 'date', text);
  if (days < INT32_MIN || days > INT32_MAX) throw bad('date', text, 'out of range');
  return days;
}

/** `HH:MM[:SS[.ffffff]]` to microseconds from midnight. Sub-microsecond digits must be zero. */
export function isoTimeToMicros(text: string): bigint {
  const nanos = parseTimeParts(text.trim(), 'time', text);
  if (nanos % NANOS_PER_MICRO !== 0n) throw bad('time', text, 'more precise than microseconds');
  return nanos / NANOS_PER_MICRO;
}

export interface ParsedTimestamp {
  /** Nanoseconds since 1970-01-01T00:00, converted to UTC when an offset was given. */
  nanos: bigint;
  /** Offset in seconds east of UTC as written, or undefined when the text had none. */
  offsetSeconds?: number;
}

/**
 * Parses an ISO-8601 timestamp `YYYY-MM-DDTHH:MM[:SS[.fraction]][offset]` (a space is accepted in
 * place of `T`) to exact nanoseconds. With an offset the result is the UTC instant.
 */
export function parseIsoTimestamp(text: string): ParsedTimestamp {
  const s = text.trim();
  const sep = s.search(/[Tt ]/);
  if (sep < 0) throw bad('timestamp', text, 'expected YYYY-MM-DDTHH:MM:SS');
  const datePart = s.slice(0, sep);
  let rest = s.slice(sep + 1);
  let offsetSeconds: number | undefined;
  const z = rest.search(/[Zz+-]/);
  if (z >= 0) {
    offsetSeconds = parseOffset(rest.slice(z), text);
    rest = rest.slice(0, z);
  }
  const days = parseDateParts(datePart, 'timestamp', text);
  const nanosOfDay = parseTimeParts(rest, 'timestamp', text);
  const nanos = BigInt(days) * NANOS_PER_DAY + nanosOfDay - BigInt(offsetSeconds ?? 0) * NANOS_PER_SECOND;
  return offsetSeconds === undefined ? { nanos } : { nanos, offsetSeconds };
}

function toMicros(nanos: bigint, text: string, what: string): bigint {
  if (nanos % NANOS_PER_MICRO !== 0n) throw bad(what, text, 'more precise than microseconds');
  return checkRange(nanos / NANOS_PER_MICRO, text, what);
}

function checkRange(v: bigint, text: string, what: string): bigint {
  if (v < INT64_MIN || v > INT64_MAX) throw bad(what, text, 'out of range');
  return v;
}

/** A timestamp without zone offset (Iceberg `timestamp`) to microseconds. */
export function isoTimestampToMicros(text: string): bigint {
  const p = parseIsoTimestamp(text);
  if (p.offsetSeconds !== undefined) throw bad('timestamp', text, 'a timestamp without time zone must not have a zone offset');
  return toMicros(p.nanos, text, 'timestamp');
}

/** A timestamp with zone offset (Iceberg `timestamptz`) to UTC microseconds. */
export function isoTimestamptzToMicros(text: string): bigint {
  const p = parseIsoTimestamp(text);
  if (p.offsetSeconds === undefined) throw bad('timestamptz', text, 'a timestamp with time zone needs a zone offset such as +00:00');
  return toMicros(p.nanos, text, 'timestamptz');
}

/** A timestamp without zone offset (Iceberg `timestamp_ns`) to nanoseconds. */
export function isoTimestampToNanos(text: string): bigint {
  const p = parseIsoTimestamp(text);
  if (p.offsetSeconds !== undefined) throw bad('timestamp_ns', text, 'a timestamp without time zone must not have a zone offset');
  return checkRange(p.nanos, text, 'timestamp_ns');
}

/** A timestamp with zone offset (Iceberg `timestamptz_ns`) to UTC nanoseconds. */
export function isoTimestamptzToNanos(text: string): bigint {
  const p = parseIsoTimestamp(text);
  if (p.offsetSeconds === undefined) throw bad('timestamptz_ns', text, 'a timestamp with time zone needs a zone offset such as +00:00');
  return checkRange(p.nanos, text, 'timestamptz_ns');
}

// ---- ISO-8601 formatting ----

function pad(n: number | bigint, width: number): string {
  return n.toString().padStart(width, '0');
}

/** ISO year as `java.time` prints it: 4 digits, a sign outside 0000..9999. */
function isoYear(year: number): string {
  if (year < 0) return `-${pad(-year, 4)}`;
  if (year > 9999) return `+${year}`;
  return pad(year, 4);
}

/** Java's `String.format("%04d", n)`: the sign counts toward the width. */
export function javaPad4(n: number): string {
  return n < 0 ? `-${pad(-n, 3)}` : pad(n, 4);
}

export function daysToIsoDate(days: number): string {
  const c = civilFromDays(days);
  return `${isoYear(c.year)}-${pad(c.month, 2)}-${pad(c.day, 2)}`;
}

/**
 * How fractional seconds are written: `micros` / `nanos` always write 6 / 9 digits (the spec's
 * JSON single-value form); `trim` writes only the digits needed, none for a whole second
 * (`java.time`'s ISO formatter, used by Iceberg's partition paths).
 */
export type FractionStyle = 'micros' | 'nanos' | 'trim';

function formatTimeOfDay(nanosOfDay: bigint, style: FractionStyle): string {
  const secs = Number(nanosOfDay / NANOS_PER_SECOND);
  const frac = nanosOfDay % NANOS_PER_SECOND;
  const hms = `${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}`;
  switch (style) {
    case 'micros':
      return `${hms}.${pad(frac / NANOS_PER_MICRO, 6)}`;
    case 'nanos':
      return `${hms}.${pad(frac, 9)}`;
    case 'trim':
      return frac === 0n ? hms : `${hms}.${pad(frac, 9).replace(/0+$/, '')}`;
  }
}

/** Formats nanoseconds since the epoch as an ISO local date-time, plus `+00:00` when `utc`. */
export function formatTimestampNanos(nanos: bigint, options: { fraction: FractionStyle; utc: boolean }): string {
  const days = Number(floorDiv(nanos, NANOS_PER_DAY));
  const text = `${daysToIsoDate(days)}T${formatTimeOfDay(floorMod(nanos, NANOS_PER_DAY), options.fraction)}`;
  return options.utc ? `${text}+00:00` : text;
}

/** `HH:MM:SS.ffffff` (the spec's JSON form for `time`). */
export function microsToIsoTime(micros: bigint): string {
  checkTimeOfDay(micros);
  return formatTimeOfDay(micros * NANOS_PER_MICRO, 'micros');
}

function checkTimeOfDay(micros: bigint): void {
  if (micros < 0n || micros >= MICROS_PER_DAY) {
    throw new LakeError('INVALID_INPUT', `time value ${micros} is outside 00:00:00..23:59:59.999999`);
  }
}

/**
 * Time of day as Java's `LocalTime.toString()` prints it (Iceberg's partition path form):
 * `HH:MM`, then `:SS` unless zero seconds and fraction, then the fraction in groups of 3 digits.
 */
export function microsToJavaLocalTime(micros: bigint): string {
  checkTimeOfDay(micros);
  const nanos = micros * NANOS_PER_MICRO;
  const secs = Number(nanos / NANOS_PER_SECOND);
  const frac = nanos % NANOS_PER_SECOND;
  let out = `${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}`;
  if (secs % 60 !== 0 || frac !== 0n) {
    out += `:${pad(secs % 60, 2)}`;
    if (frac !== 0n) {
      if (frac % 1_000_000n === 0n) out += `.${pad(frac / 1_000_000n, 3)}`;
      else if (frac % 1_000n === 0n) out += `.${pad(frac / 1_000n, 6)}`;
      else out += `.${pad(frac, 9)}`;
    }
  }
  return out;
}

export function microsToIsoTimestamp(micros: bigint): string {
  return formatTimestampNanos(micros * NANOS_PER_MICRO, { fraction: 'micros', utc: false });
}

export function microsToIsoTimestamptz(micros: bigint): string {
  return formatTimestampNanos(micros * NANOS_PER_MICRO, { fraction: 'micros', utc: true });
}

export function nanosToIsoTimestamp(nanos: bigint): string {
  return formatTimestampNanos(nanos, { fraction: 'nanos', utc: false });
}

export function nanosToIsoTimestamptz(nanos: bigint): string {
  return formatTimestampNanos(nanos, { fraction: 'nanos', utc: true });
}
