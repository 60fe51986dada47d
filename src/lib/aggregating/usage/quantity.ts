/**
 * Usage quantities are decimals (minutes, megabytes, ...). A float sum depends on the order of its
 * terms, so quantities are summed exactly as integer micro-units in a BigInt and stored as a decimal
 * string (`quantityMicros`); the query turns the sum back into a number. Each quantity is rounded to
 * 6 decimals once, when it is read (`0.1` → 100000 µ).
 */
export const MICROS_PER_UNIT = 1_000_000n;

/**
 * The quantity in whole micro-units, rounded half away from zero at the 6th decimal of the decimal
 * the log wrote: the shortest decimal that reads back as the same number (`2.0000025` is 2000003 µ,
 * where rounding the binary number itself, 2.00000249999…, would give 2000002).
 */
export function toMicros(quantity: number): bigint {
  // Normalizing quarantines these (value_out_of_range); reaching here is a bug, not bad input.
  if (!Number.isFinite(quantity)) throw new Error(`quantity is not a finite number: ${quantity}`);
  // String() gives that shortest decimal, in exponent form below 1e-6 and from 1e21.
  const text = String(Math.abs(quantity));
  const e = text.indexOf('e');
  const mantissa = e < 0 ? text : text.slice(0, e);
  const exponent = e < 0 ? 0 : Number(text.slice(e + 1));
  const point = mantissa.indexOf('.');
  const digits = point < 0 ? mantissa : mantissa.slice(0, point) + mantissa.slice(point + 1);
  // Digits of the whole part (negative: zeros after the point before the first digit).
  const whole = (point < 0 ? mantissa.length : point) + exponent;
  const kept = whole + 6;
  let micros: bigint;
  if (kept >= digits.length) micros = BigInt(digits) * 10n ** BigInt(kept - digits.length);
  else if (kept < 0) micros = 0n;
  else micros = (kept === 0 ? 0n : BigInt(digits.slice(0, kept))) + (digits.charCodeAt(kept) >= 0x35 /* 5 */ ? 1n : 0n);
  return quantity < 0 ? -micros : micros;
}

/** Adds a micro-unit amount to a sum stored as a decimal string. */
export function addMicros(stored: unknown, micros: bigint): string {
  return (readMicros(stored) + micros).toString();
}

/**
 * Reads a stored sum (absent is 0). Anything else throws: adding to 0 instead would silently restart
 * the sum, so the invocation fails and is retried.
 */
export function readMicros(stored: unknown): bigint {
  if (stored === undefined || stored === null) return 0n;
  if (typeof stored === 'string' && /^-?\d+$/.test(stored)) return BigInt(stored);
  if (typeof stored === 'number' && Number.isSafeInteger(stored)) return BigInt(stored);
  throw new Error(`stored quantity sum does not read: ${String(stored).slice(0, 40)}`);
}

/** Micro-units back to units: the number nearest the exact decimal. */
export function microsToNumber(micros: bigint): number {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / MICROS_PER_UNIT;
  const fraction = (abs % MICROS_PER_UNIT).toString().padStart(6, '0');
  return Number(`${negative ? '-' : ''}${whole}.${fraction}`);
}
