/**
 * The call logs of a generated call: a CallSummary row per participant leg and a CallDiagnostics row
 * per media stream, written hours after the call ends, and their Updates versions, the first about
 * 40 minutes after the end and later ones (which may correct the duration) hours after it. Some
 * Updates lines are written twice, some versions arrive with nulls, and a few streams are poor
 * (jitter, loss or round trip over the Insights thresholds). The CorrelationId and the participant
 * ids are the call's own, so the call logs join the call's recordings and billing records.
 *
 * Shapes follow the documentation's samples: camelCase properties, `callupdatesversion` as a string,
 * some numbers written as strings, the server-side stream with a null endpoint.
 */
import type { Category } from '../normalizing/types.js';
import { guid, MS_PER_MINUTE } from './format.js';
import { Weighted, type Random } from './random.js';
import type { SimResource } from './resources.js';
import type { Simulation } from './simulation.js';

const SUMMARY: Category = 'CallSummary';
const SUMMARY_UPDATES: Category = 'CallSummaryUpdates';
const DIAGNOSTICS: Category = 'CallDiagnostics';
const DIAGNOSTICS_UPDATES: Category = 'CallDiagnosticsUpdates';

/** One participant of a generated call, as the call logs see it. */
export interface CallLeg {
  participantId: string;
  endpointType: 'VoIP' | 'PSTN';
  join: number;
  leave: number;
}

/** What the call logs of a call are written from. */
export interface CallLogFacts {
  correlationId: string;
  start: number;
  end: number;
  legs: readonly CallLeg[];
  sdkVersion: string;
}

/** End reasons: mostly "0" (success), then the workbook's failure classes. */
const END_REASONS = new Weighted<[string, string]>([
  [['0', '0'], 88],
  [['487', '0'], 3],
  [['480', '10037'], 2],
  [['408', '10057'], 2],
  [['500', '10001'], 2],
  [['603', '0'], 1],
  [['210', '5300'], 2],
]);

/** Where stream quality comes from: a few poor streams per hundred. */
interface StreamMetrics {
  jitterAvg: number;
  jitterMax: number;
  roundTripTimeAvg: number;
  roundTripTimeMax: number;
  packetLossRateAvg: number;
  packetLossRateMax: number;
}

/**
 * Schedules every call-log record of a finished call. `random` is the call's own call-log stream,
 * so adding call logs leaves every other category's output unchanged.
 */
export function scheduleCallLogs(sim: Simulation, resource: SimResource, random: Random, facts: CallLogFacts): void {
  const callType = facts.legs.length === 2 ? 'P2P' : 'Group';
  const reasons = facts.legs.map(() => END_REASONS.draw(random));
  const streams = facts.legs.map((leg) => streamsOf(random, leg));
  // The server writes no endpoint id for a PSTN leg; a client keeps one for the call.
  const endpointIds = facts.legs.map((leg) => (leg.endpointType === 'PSTN' ? null : guid(random)));
  const durationSeconds = Math.round((facts.end - facts.start) / 1000);
  // Versions: 1 within the hour after the end, a second for a third of the calls some hours later.
  const versions: { version: number; at: number; durationSeconds: number; nulls: boolean }[] = [
    { version: 1, at: facts.end + random.between(20, 60) * MS_PER_MINUTE, durationSeconds: durationSeconds + random.int(0, 30), nulls: random.chance(0.1) },
  ];
  if (random.chance(0.35)) {
    versions.push({ version: 2, at: facts.end + random.between(2, 8) * 3_600_000, durationSeconds, nulls: false });
  }
  const plainAt = facts.end + random.between(3, 5) * 3_600_000;
  const writeAll = (s: Simulation, version: number | null, durationSeconds: number, nulls: boolean): void => {
    facts.legs.forEach((leg, i) => {
      const [endReason, subCode] = reasons[i] as [string, string];
      summary(s, resource, random, facts, leg, { version, callType, durationSeconds, endReason, subCode, nulls });
      for (const stream of streams[i] as StreamPlan[]) diagnostics(s, resource, random, facts, leg, endpointIds[i] ?? null, stream, version);
    });
  };
  for (const v of versions) {
    sim.schedule(v.at, (s) => {
      writeAll(s, v.version, v.durationSeconds, v.nulls);
      // Azure Monitor writes a version twice now and then.
      if (random.chance(0.1)) writeAll(s, v.version, v.durationSeconds, v.nulls);
    });
  }
  sim.schedule(plainAt, (s) => writeAll(s, null, durationSeconds, false));
}

interface SummaryPlan {
  version: number | null;
  callType: string;
  durationSeconds: number;
  endReason: string;
  subCode: string;
  nulls: boolean;
}

function envelope(sim: Simulation, resource: SimResource, random: Random, category: Category, correlationId: string, properties: object): object {
  const plain = category === SUMMARY || category === DIAGNOSTICS;
  return {
    time: sim.stamp(sim.now, random),
    resourceId: resource.resourceId,
    correlationId,
    // The Updates samples keep the plain operation name.
    operationName: category === SUMMARY || category === SUMMARY_UPDATES ? 'CallSummary' : 'CallDiagnostics',
    operationVersion: plain ? '1.0' : '1.1',
    category,
    properties,
  };
}

function summary(sim: Simulation, resource: SimResource, random: Random, facts: CallLogFacts, leg: CallLeg, plan: SummaryPlan): void {
  const category = plan.version === null ? SUMMARY : SUMMARY_UPDATES;
  const participantSeconds = Math.max(1, Math.round((leg.leave - leg.join) / 1000));
  const properties: Record<string, unknown> = {
    identifier: null,
    callStartTime: new Date(facts.start).toISOString(),
    // Numbers are written as numbers or as strings, as in the documentation's samples.
    callDuration: plan.nulls ? null : plan.durationSeconds,
    callType: plan.callType,
    participantId: leg.participantId,
    participantStartTime: new Date(Math.round(leg.join)).toISOString(),
    participantDuration: plan.nulls ? 'null' : String(participantSeconds),
    participantEndReason: plan.endReason,
    participantEndSubCode: plan.subCode,
    endpointId: null,
    endpointType: leg.endpointType,
    sdkVersion: leg.endpointType === 'PSTN' ? 'Redacted' : facts.sdkVersion,
    osVersion: 'Redacted',
  };
  if (plan.version !== null) properties['callupdatesversion'] = String(plan.version);
  sim.emit(category, resource, envelope(sim, resource, random, category, facts.correlationId, properties));
}

interface StreamPlan {
  mediaType: 'Audio' | 'Video';
  streamId: string;
  direction: 'Inbound' | 'Outbound';
  metrics: StreamMetrics;
}

function streamsOf(random: Random, leg: CallLeg): StreamPlan[] {
  const plans: StreamPlan[] = [];
  const media: ('Audio' | 'Video')[] = leg.endpointType === 'VoIP' && random.chance(0.4) ? ['Audio', 'Video'] : ['Audio'];
  for (const mediaType of media) {
    for (const direction of ['Inbound', 'Outbound'] as const) {
      plans.push({ mediaType, streamId: String(random.int(1000, 99999)), direction, metrics: metricsOf(random) });
    }
  }
  return plans;
}

function metricsOf(random: Random): StreamMetrics {
  const poor = random.chance(0.04);
  const jitterAvg = Math.round(random.logNormal(4, 0.6) + (poor && random.chance(0.5) ? 35 : 0));
  const roundTripTimeAvg = Math.round(random.logNormal(55, 0.5) + (poor && random.chance(0.3) ? 600 : 0));
  const loss = Math.min(0.09, random.logNormal(0.002, 1)) + (poor && random.chance(0.4) ? 0.15 : 0);
  return {
    jitterAvg,
    jitterMax: jitterAvg + random.int(0, 20),
    roundTripTimeAvg,
    roundTripTimeMax: roundTripTimeAvg + random.int(0, 60),
    packetLossRateAvg: Number(loss.toPrecision(7)),
    packetLossRateMax: Number(Math.min(1, loss * random.between(1, 3)).toPrecision(7)),
  };
}

function diagnostics(
  sim: Simulation,
  resource: SimResource,
  random: Random,
  facts: CallLogFacts,
  leg: CallLeg,
  endpointId: string | null,
  stream: StreamPlan,
  version: number | null,
): void {
  const category = version === null ? DIAGNOSTICS : DIAGNOSTICS_UPDATES;
  const m = stream.metrics;
  const asText = random.chance(0.5);
  const value = (n: number): number | string => (asText ? String(n) : n);
  const properties: Record<string, unknown> = {
    identifier: null,
    participantId: leg.participantId,
    endpointId,
    endpointType: leg.endpointType,
    mediaType: stream.mediaType,
    streamId: stream.streamId,
    streamDirection: stream.direction,
    transportType: random.chance(0.9) ? 'UDP' : 'TCP',
    codecName: stream.mediaType === 'Audio' ? 'OPUS' : 'H264S',
    roundTripTimeAvg: value(m.roundTripTimeAvg),
    roundTripTimeMax: value(m.roundTripTimeMax),
    jitterAvg: value(m.jitterAvg),
    jitterMax: value(m.jitterMax),
    packetLossRateAvg: value(m.packetLossRateAvg),
    packetLossRateMax: value(m.packetLossRateMax),
  };
  if (version !== null) properties['callupdatesversion'] = String(version);
  sim.emit(category, resource, envelope(sim, resource, random, category, facts.correlationId, properties));
}
