/**
 * The documented ranges of the numbers a record carries, and the default bounds of its times. A value
 * outside its range is quarantined (`value_out_of_range`, `time_out_of_range`) instead of reaching a
 * sum, a min or max, a sketch or a stored property. Ranges are generous: they hold every value the
 * service can plausibly write, many times over, and exclude only values no real record has.
 *
 * Why sums stay exact. Sums are kept as integers in a Table Storage Double (exact below 2^53 ≈ 9.0e15)
 * or, for Usage, as a decimal string of any length. The largest term each sum can get per record:
 * - RecordingOperations and Calls `durationSumUs`: DurationMs ≤ 1 day = 8.64e10 µs, so one row needs
 *   more than 104,000 requests that each took a full day before its sum could leave 2^53; at a
 *   realistic mean of 1 s (1e6 µs) it takes 9e9 requests in one hour or day row.
 * - Recordings `recordingMs`, Calls `recordingMs`: RecordingLength ≤ 7 days = 6.048e8 ms: 14.9 million
 *   week-long recordings in one row.
 * - Rooms `participantsAdded`/`Upserted`/`Removed`, Recordings `chunks`, `audioChannels`: counts
 *   ≤ 1,000,000: 9e9 maximal records in one row.
 * - Record counts add 1 per record: 9e15 records.
 * - RoomLifespan is a latest value, not a sum: it only has to be a finite integer.
 * - Usage `quantityMicros`: a BigInt, exact at any size (Quantity ≤ 1e12 keeps each term short).
 * A sum that would still pass 2^53 is refused loudly (see addTo in aggregating/types.ts), never stored
 * rounded.
 */

export interface NumberRange {
  readonly min: number;
  readonly max: number;
  /** Whole numbers only. */
  readonly integer: boolean;
}

/** Participant counts, chunks, audio channels. */
export const COUNT_RANGE: NumberRange = Object.freeze({ min: 0, max: 1_000_000, integer: true });
/**
 * RoomLifespan, minutes: any 32-bit integer a client can ask for. The service logs the lifespan a
 * refused CreateRoom asked for (1,051,201 and 2,000,000 are seen), and those operations count. It is
 * never summed: a room keeps its latest value.
 */
export const LIFESPAN_RANGE: NumberRange = Object.freeze({ min: 0, max: 2_147_483_647, integer: true });
/** RecordingLength, seconds: up to 7 days (the longest seen in the wild is about 20 hours). */
export const RECORDING_SECONDS_RANGE: NumberRange = Object.freeze({ min: 0, max: 7 * 24 * 3600, integer: false });
/** DurationMs of one Call Recording API request, milliseconds: up to 1 day (requests end within minutes). */
export const REQUEST_MS_RANGE: NumberRange = Object.freeze({ min: 0, max: 24 * 3600 * 1000, integer: false });
/** Usage Quantity (minutes, messages, bytes, ...) of one usage record: up to 10^12. */
export const QUANTITY_RANGE: NumberRange = Object.freeze({ min: 0, max: 1e12, integer: false });

/** CallDuration and ParticipantDuration, seconds: up to 31 days (a call ends within hours). */
export const CALL_SECONDS_RANGE: NumberRange = Object.freeze({ min: 0, max: 31 * 24 * 3600, integer: false });
/** Jitter and round-trip time of a media stream, milliseconds: up to 1 hour. */
export const STREAM_MS_RANGE: NumberRange = Object.freeze({ min: 0, max: 3_600_000, integer: false });
/**
 * PacketLossRate, a fraction (0.1 = 10 %). Up to 100, so that a rate written as a percentage is still
 * read (and is poor) rather than quarantined.
 */
export const LOSS_RATE_RANGE: NumberRange = Object.freeze({ min: 0, max: 100, integer: false });
/** CallUpdatesVersion: a small counter. */
export const UPDATES_VERSION_RANGE: NumberRange = Object.freeze({ min: 0, max: 1_000_000, integer: true });

/** Whether a number (±Infinity and NaN included) is inside `range`; integrality is the schema's business. */
export function inRange(value: number, range: NumberRange): boolean {
  return value >= range.min && value <= range.max;
}

export function describeRange(range: NumberRange): string {
  return `${range.min}..${range.max}`;
}

/**
 * The earliest record time accepted by default: 2015-01-01T00:00:00Z. Azure Communication Services
 * first shipped (in preview) in 2020; five years of margin still rejects the 1970 and 0001 dates of
 * zeroed clocks and default values.
 */
export const DEFAULT_EARLIEST_RECORD_TIME = Date.UTC(2015, 0, 1);
/**
 * How far ahead of the processing time a record time may be, by default: 24 hours. Azure Monitor stamps
 * records with the service's clock seconds before writing them; a day covers any clock skew and a local
 * time mistaken for UTC (offsets reach 14 hours), and still rejects years like 9999.
 */
export const DEFAULT_MAX_FUTURE_MS = 24 * 3_600_000;

/** The record times accepted, as epoch milliseconds, both inclusive. */
export interface TimeBounds {
  readonly earliest: number;
  readonly latest: number;
}

/**
 * The times whose ISO text has a four-digit year, whatever the settings: keys and filters cut and
 * compare that text, so year 10000 (`+010000-...`) would merge hours and sort before 2024.
 */
export const WRITABLE_TIMES: TimeBounds = { earliest: Date.parse('0000-01-01T00:00:00.000Z'), latest: Date.parse('9999-12-31T23:59:59.999Z') };

/** The bounds of a run that started at `now`, within WRITABLE_TIMES. */
export function timeBoundsAt(now: number, earliest = DEFAULT_EARLIEST_RECORD_TIME, maxFutureMs = DEFAULT_MAX_FUTURE_MS): TimeBounds {
  return { earliest: Math.max(WRITABLE_TIMES.earliest, earliest), latest: Math.min(WRITABLE_TIMES.latest, now + maxFutureMs) };
}
