/**
 * Text shapes of the storage format: times with 7 fractional digits, blob paths, ids.
 * Fast paths matter here: every generated line formats at least one time.
 */
import type { Random } from './random.js';

const MS_PER_DAY = 86_400_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_MINUTE = 60_000;

let cachedDay = Number.NaN;
let cachedDayPrefix = '';

function dayPrefix(day: number): string {
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayPrefix = new Date(day * MS_PER_DAY).toISOString().slice(0, 11); // 2024-05-25T
  }
  return cachedDayPrefix;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function pad3(n: number): string {
  return n < 10 ? '00' + n : n < 100 ? '0' + n : String(n);
}

/**
 * `2024-05-25T09:01:12.5433012Z`: epoch ms plus `ticks` (0..9999, the 100-ns digits below the
 * millisecond), as Azure Monitor writes `time`.
 */
export function isoTime7(ms: number, ticks: number): string {
  const day = Math.floor(ms / MS_PER_DAY);
  let rest = ms - day * MS_PER_DAY;
  const hour = Math.floor(rest / MS_PER_HOUR);
  rest -= hour * MS_PER_HOUR;
  const minute = Math.floor(rest / MS_PER_MINUTE);
  rest -= minute * MS_PER_MINUTE;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  const t = ticks < 10 ? '000' + ticks : ticks < 100 ? '00' + ticks : ticks < 1000 ? '0' + ticks : String(ticks);
  return `${dayPrefix(day)}${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${pad3(milli)}${t}Z`;
}

/** `y=2024/m=05/d=25/h=09/m=00`: the time partition of the hour holding `ms`. */
export function hourPartition(ms: number): string {
  const d = new Date(Math.floor(ms / MS_PER_HOUR) * MS_PER_HOUR);
  return `y=${d.getUTCFullYear()}/m=${pad2(d.getUTCMonth() + 1)}/d=${pad2(d.getUTCDate())}/h=${pad2(d.getUTCHours())}/m=00`;
}

/** A random GUID (version 4 layout), lower case. */
export function guid(random: Random): string {
  const h = random.hex(32);
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Standard base64 of random bytes without padding: `x7rMXmihYEe3GFho9T/H2w` for 16 bytes. */
export function base64Id(random: Random, bytes: number): string {
  return Buffer.from(random.bytes(bytes)).toString('base64').replace(/=+$/, '');
}

/**
 * A Call Recording id as ACS issues them: unpadded base64 of
 * `{"PlatformEndpointId":"<guid>","ResourceSpecificId":"<guid>"}` (the seed's ids decode to that).
 * Base64 of that alphabet never yields `+` or `/`, so the id is safe in a URI path.
 */
export function recordingId(random: Random): string {
  const json = `{"PlatformEndpointId":"${guid(random)}","ResourceSpecificId":"${guid(random)}"}`;
  return Buffer.from(json).toString('base64').replace(/=+$/, '');
}

const CONV_REGIONS = ['usea', 'use2', 'usno', 'uswe', 'euno', 'euwe', 'asea'] as const;

/** A server call id: base64 of the conversation URL (the seed's starts `aHR0cHM6Ly9hcGk`, "https://api"). */
export function serverCallId(random: Random, startMs: number): string {
  const region = random.pick(CONV_REGIONS);
  const conv = base64Id(random, 16).replace(/\+/g, '-').replace(/\//g, '_');
  // .NET ticks of the call start, as the real URLs carry them.
  const ticks = BigInt(startMs) * 10_000n + 621_355_968_000_000_000n;
  const url = `https://api.flightproxy.skype.com/api/v2/cp/conv-${region}-0${random.int(1, 9)}-prod-aks.conv.skype.com/conv/${conv}?i=${random.int(1, 40)}&e=${ticks}`;
  return Buffer.from(url).toString('base64');
}

/** An ACS communication user id: `8:acs:<resource immutable id>_0000001a-2b3c-...`. */
export function acsUserId(random: Random, resourceImmutableId: string): string {
  const h = random.hex(28);
  return `8:acs:${resourceImmutableId}_0000001${h.slice(0, 1)}-${h.slice(1, 5)}-${h.slice(5, 9)}-${h.slice(9, 13)}-${h.slice(13, 25)}`;
}

/** A Teams (Microsoft 365) user id. */
export function teamsUserId(random: Random): string {
  return `8:orgid:${guid(random)}`;
}

/** A fictional North American phone number (555-0100..555-0199 are reserved for fiction). */
export function fictionalPhoneNumber(random: Random): string {
  const area = random.pick(['206', '312', '415', '425', '512', '617', '646', '720']);
  return `+1${area}55501${random.digits(2)}`;
}

/** An address from the documentation ranges 203.0.113.0/24 and 198.51.100.0/24. */
export function documentationIp(random: Random): string {
  return `${random.chance(0.7) ? '203.0.113' : '198.51.100'}.${random.int(1, 254)}`;
}
