/**
 * Recorded calls. A call (one CorrelationId, one serverCallId, one or two callConnectionIds) holds one
 * or more recordings in turn. Each recording is driven by Call Automation requests (StartRecording,
 * Pause/Resume pairs, StopRecording) whose URIs carry the recording id from the second request on,
 * and ends with a summary record written minutes later. The call's participants produce billing
 * usage records when they leave. Recordings started from the Teams client have a summary and no
 * operations.
 */
import type { Category } from '../normalizing/types.js';
import { acsUserId, fictionalPhoneNumber, guid, isoTime7, MS_PER_MINUTE, recordingId, serverCallId, teamsUserId } from './format.js';
import { scheduleCallLogs } from './callLogs.js';
import { decide, failure, requestDuration, type Outcome } from './outcomes.js';
import { Weighted, type Random } from './random.js';
import { CALL_AUTOMATION_VERSIONS, SDK_TYPES, SDK_VERSIONS, type SimResource } from './resources.js';
import { schedulePoisson, type Simulation } from './simulation.js';

const OPERATIONS: Category = 'CallRecordingOperational';
const SUMMARIES: Category = 'CallRecordingSummary';
const USAGE: Category = 'Usage';

/** Recordings per call: mostly one or two, sometimes many (start/stop on every hold). */
const RECORDINGS_PER_CALL = new Weighted<number>([
  [1, 50],
  [2, 25],
  [3, 12],
  [4, 8],
  [0, 5],
]);

const VOIP_PARTICIPANTS = new Weighted<number>([
  [2, 5],
  [3, 3],
  [4, 2],
  [5, 1],
  [6, 1],
]);

interface ContentConfig {
  contentType: string;
  channelType: string;
  formatType: string | null;
}

/** What gets recorded. Audio-video is mixed mp4 only; unmixed audio is wav; transcription has no media format. */
const CONTENT = new Weighted<ContentConfig>([
  [{ contentType: 'Audio - Video', channelType: 'mixed', formatType: 'mp4' }, 45],
  [{ contentType: 'Audio Only', channelType: 'mixed', formatType: 'mp3' }, 25],
  [{ contentType: 'Audio Only', channelType: 'mixed', formatType: 'wav' }, 10],
  [{ contentType: 'Audio Only', channelType: 'unmixed', formatType: 'wav' }, 15],
  [{ contentType: 'Transcription', channelType: 'mixed', formatType: null }, 5],
]);

/** Operation names per API version: the seed's 2023-03-06 example is spelled `ResumeCallRecording`. */
function operationNames(version: string): { start: string; pause: string; resume: string; stop: string } {
  return version === '2023-03-06'
    ? { start: 'StartCallRecording', pause: 'PauseCallRecording', resume: 'ResumeCallRecording', stop: 'StopCallRecording' }
    : { start: 'StartRecording', pause: 'PauseRecording', resume: 'ResumeRecording', stop: 'StopRecording' };
}

const MEDIAN_MS = { start: 180, pause: 110, resume: 115, stop: 130 } as const;

/** A chunk holds at most 4 hours: the seed's 73,872.94 s recording has 6 chunks. */
const CHUNK_SECONDS = 14_400;

export function startCalls(sim: Simulation, resource: SimResource): void {
  const { callsPerHour } = sim.options;
  if (!(callsPerHour > 0)) return;
  const app = sim.random(0x200, resource.index);
  const appSdkVersion = (SDK_VERSIONS[resource.sdkType] as Weighted<string>).draw(app);
  const spawner = sim.random(0x201, resource.index);
  schedulePoisson(sim, spawner, callsPerHour, (_time, n) => {
    new Call(sim, resource, sim.random(0x202, resource.index, n), appSdkVersion, sim.random(0x205, resource.index, n)).start(sim);
  });
  // Recordings started from the Teams client: a summary, no Call Automation requests.
  const teams = sim.random(0x203, resource.index);
  schedulePoisson(sim, teams, callsPerHour * 0.05, (_time, n) => teamsRecording(sim, resource, sim.random(0x204, resource.index, n)));
}

interface Participant {
  usageType: 'Audio' | 'PSTN';
  participantId: string;
  userIdA: string;
  userIdB: string | null;
  join: number;
  leave: number;
  relayed: boolean;
}

interface Recording {
  id: string | null;
  started: number;
  pausedSince: number | null;
  pausedMs: number;
  ended: boolean;
  endReason: string | null;
}

class Call {
  private readonly correlationId: string;
  private readonly serverCallId: string;
  private readonly connections: string[];
  private readonly version: string;
  private readonly names: ReturnType<typeof operationNames>;
  private readonly sdkType: string;
  private readonly sdkVersion: string;
  private readonly ip: string;
  private readonly content: ContentConfig;
  private readonly participants: Participant[] = [];
  private readonly recordings: Recording[] = [];
  private readonly failureRate: number;
  private start0 = 0;
  private end = 0;

  constructor(
    sim: Simulation,
    private readonly resource: SimResource,
    private readonly random: Random,
    appSdkVersion: string,
    /** The call logs' own stream: they leave the recording and billing output unchanged. */
    private readonly callLogRandom: Random,
  ) {
    this.failureRate = sim.options.failureRate;
    this.correlationId = guid(random);
    this.serverCallId = serverCallId(random, sim.now);
    this.connections = random.chance(0.15) ? [guid(random), guid(random)] : [guid(random)];
    this.version = random.chance(0.9) ? resource.callAutomationVersion : CALL_AUTOMATION_VERSIONS.draw(random);
    this.names = operationNames(this.version);
    const ownSdk = random.chance(0.9);
    this.sdkType = ownSdk ? resource.sdkType : SDK_TYPES.draw(random);
    this.sdkVersion = ownSdk ? appSdkVersion : (SDK_VERSIONS[this.sdkType] as Weighted<string>).draw(random);
    this.ip = random.pick(resource.appIps);
    this.content = CONTENT.draw(random);
  }

  start(sim: Simulation): void {
    const random = this.random;
    this.start0 = sim.now;
    const minutes = Math.min(240, Math.max(1, random.logNormal(14, 0.8)));
    this.end = this.start0 + Math.round(minutes * MS_PER_MINUTE);
    this.planParticipants();

    let count = RECORDINGS_PER_CALL.draw(random);
    if (count === 0) count = random.int(5, 15);
    count = Math.max(1, Math.min(count, Math.floor((this.end - this.start0) / 30_000)));
    const first = this.start0 + 5_000;
    const slot = (this.end - 5_000 - first) / count;
    for (let i = 0; i < count; i++) {
      const slotStart = first + i * slot;
      const startAt = slotStart + random.between(0, 0.15) * slot;
      const last = i === count - 1;
      // Earlier recordings are stopped by the app; the last one often runs until the call ends.
      const stopAt = last && random.chance(0.45) ? null : slotStart + slot * random.between(0.85, 1);
      const recording: Recording = { id: null, started: 0, pausedSince: null, pausedMs: 0, ended: false, endReason: null };
      this.recordings.push(recording);
      sim.schedule(startAt, (s) => this.startRecording(s, recording, stopAt ?? this.end, stopAt !== null, 1));
    }
    sim.schedule(this.end, (s) => this.endCall(s));
  }

  private planParticipants(): void {
    const random = this.random;
    const voip = VOIP_PARTICIPANTS.draw(random);
    const duration = this.end - this.start0;
    const ids: string[] = [];
    for (let i = 0; i < voip; i++) {
      const teams = random.chance(0.1);
      const user = teams ? teamsUserId(random) : acsUserId(random, this.resource.immutableId);
      ids.push(user);
      const join = this.start0 + (i < 2 ? random.between(0, 5_000) : random.between(0, duration * 0.3));
      const leave = random.chance(0.8) ? this.end - random.between(0, 10_000) : join + (this.end - join) * random.between(0.2, 0.9);
      this.participants.push({
        usageType: 'Audio',
        participantId: guid(random),
        userIdA: user,
        userIdB: null,
        join,
        leave: Math.max(leave, join + 1_000),
        relayed: random.chance(0.15),
      });
    }
    // A two-party call bills both users on each record.
    if (voip === 2) {
      const [a, b] = this.participants as [Participant, Participant];
      a.userIdB = b.userIdA;
      b.userIdB = a.userIdA;
    }
    if (random.chance(0.25)) {
      const join = this.start0 + random.between(0, duration * 0.2);
      this.participants.push({
        usageType: 'PSTN',
        participantId: guid(random),
        userIdA: this.resource.phoneNumber,
        userIdB: fictionalPhoneNumber(random),
        join,
        leave: this.end - random.between(0, 5_000),
        relayed: false,
      });
    }
  }

  private operation(sim: Simulation, name: string, median: number, outcome: Outcome, uri: string): void {
    const random = this.random;
    sim.emit(OPERATIONS, this.resource, {
      time: sim.stamp(sim.now, random),
      resourceId: this.resource.resourceId,
      category: OPERATIONS,
      operationName: name,
      operationVersion: this.version,
      correlationId: this.correlationId,
      level: outcome.level,
      resultType: outcome.resultType,
      resultSignature: outcome.status,
      durationMs: requestDuration(random, median, outcome),
      callerIpAddress: this.ip,
      location: this.resource.location,
      properties: {
        callConnectionId: this.connections.length === 1 ? this.connections[0] : random.pick(this.connections),
        serverCallId: this.serverCallId,
        sdkType: this.sdkType,
        sdkVersion: this.sdkVersion,
        uri,
      },
    });
  }

  private uri(id: string | null, action: '' | ':pause' | ':resume'): string {
    const base = `https://${this.resource.host}.communication.azure.com/calling/recordings`;
    return id === null ? `${base}?api-version=${this.version}` : `${base}/${id}${action}?api-version=${this.version}`;
  }

  private startRecording(sim: Simulation, recording: Recording, plannedEnd: number, stops: boolean, attempt: number): void {
    const random = this.random;
    const outcome = decide(random, this.failureRate, 200);
    this.operation(sim, this.names.start, MEDIAN_MS.start, outcome, this.uri(null, ''));
    if (outcome.failed) {
      if (attempt === 1 && outcome.status !== 400)
        sim.schedule(sim.now + random.between(1_000, 3_000), (s) => this.startRecording(s, recording, plannedEnd, stops, 2));
      else recording.ended = true; // never started
      return;
    }
    recording.id = recordingId(random);
    recording.started = sim.now + Math.round(random.between(500, 3_000));
    const until = Math.min(plannedEnd, this.end - 1_000);
    if (until <= recording.started + 1_000) {
      if (stops) sim.schedule(recording.started + 1_000, (s) => this.stopRecording(s, recording, 1));
      return;
    }
    if (random.chance(0.02)) {
      // The recorder fails mid-way: no more requests succeed on it, the summary says Error.
      sim.schedule(random.between(recording.started, until), (s) => this.finish(s, recording, 'Error'));
    }
    const pauses = until - recording.started > 60_000 ? Math.min(3, random.poisson(0.6)) : 0;
    if (pauses > 0) {
      const window = (until - 20_000 - (recording.started + 10_000)) / pauses;
      for (let i = 0; i < pauses; i++) {
        const pauseAt = recording.started + 10_000 + i * window + random.between(0, window * 0.5);
        const resumeAt = Math.min(pauseAt + random.between(10_000, 180_000), recording.started + 10_000 + (i + 1) * window - 1_000);
        sim.schedule(pauseAt, (s) => this.pause(s, recording));
        sim.schedule(Math.max(resumeAt, pauseAt + 1_000), (s) => this.resume(s, recording, 1));
      }
    }
    if (stops) sim.schedule(until, (s) => this.stopRecording(s, recording, 1));
  }

  private pause(sim: Simulation, recording: Recording): void {
    if (recording.ended || recording.id === null) return;
    const outcome = decide(this.random, this.failureRate, 202);
    this.operation(sim, this.names.pause, MEDIAN_MS.pause, outcome, this.uri(recording.id, ':pause'));
    if (!outcome.failed) recording.pausedSince = sim.now;
  }

  private resume(sim: Simulation, recording: Recording, attempt: number): void {
    if (recording.ended || recording.id === null || recording.pausedSince === null) return;
    const outcome = decide(this.random, this.failureRate, 202);
    this.operation(sim, this.names.resume, MEDIAN_MS.resume, outcome, this.uri(recording.id, ':resume'));
    if (!outcome.failed) {
      recording.pausedMs += sim.now - recording.pausedSince;
      recording.pausedSince = null;
    } else if (attempt < 3 && sim.now + 2_000 < this.end) {
      sim.schedule(sim.now + this.random.between(1_000, 2_000), (s) => this.resume(s, recording, attempt + 1));
    }
  }

  private stopRecording(sim: Simulation, recording: Recording, attempt: number): void {
    if (recording.id === null) return;
    // A stop after the recording ended (the call hung up first, or the recorder failed) finds nothing.
    const outcome = recording.ended ? failure(404) : decide(this.random, this.failureRate, 204);
    this.operation(sim, this.names.stop, MEDIAN_MS.stop, outcome, this.uri(recording.id, ''));
    if (!outcome.failed) this.finish(sim, recording, 'StopRecordingRequested');
    else if (!recording.ended && attempt === 1 && sim.now + 3_000 < this.end) {
      sim.schedule(sim.now + this.random.between(1_000, 3_000), (s) => this.stopRecording(s, recording, 2));
    }
  }

  private finish(sim: Simulation, recording: Recording, reason: string): void {
    if (recording.ended || recording.id === null) return;
    recording.ended = true;
    recording.endReason = reason;
    if (recording.pausedSince !== null) recording.pausedMs += sim.now - recording.pausedSince;
    const seconds = Math.max(0.5, (sim.now - recording.started - recording.pausedMs) / 1000);
    const summary: SummaryFacts = {
      correlationId: this.correlationId,
      recordingId: recording.id,
      started: recording.started,
      seconds,
      endReason: reason,
      content: this.content,
      audioChannels: this.content.channelType === 'unmixed' ? Math.min(5, this.participants.length) : 1,
    };
    scheduleSummary(sim, this.resource, this.random, sim.now, summary, this.resource.minuteUnit);
  }

  private endCall(sim: Simulation): void {
    const random = this.random;
    for (const recording of this.recordings) {
      if (recording.ended || recording.id === null) continue;
      this.finish(sim, recording, 'CallEnded');
      // The app's cleanup stops a recording the hang-up already ended: 404.
      if (random.chance(Math.min(1, this.failureRate))) {
        sim.schedule(sim.now + random.between(1_000, 10_000), (s) => this.stopRecording(s, recording, 2));
      }
    }
    for (const participant of this.participants) {
      sim.schedule(Math.max(sim.now, participant.leave) + random.between(1_000, 30_000), (s) => this.participantUsage(s, participant));
    }
    scheduleCallLogs(sim, this.resource, this.callLogRandom, {
      correlationId: this.correlationId,
      start: this.start0,
      end: this.end,
      sdkVersion: this.sdkVersion,
      legs: this.participants.map((p) => ({
        participantId: p.participantId,
        endpointType: p.usageType === 'PSTN' ? 'PSTN' : 'VoIP',
        join: p.join,
        leave: p.leave,
      })),
    });
  }

  private participantUsage(sim: Simulation, participant: Participant): void {
    const minutes = (participant.leave - participant.join) / MS_PER_MINUTE;
    const common = {
      participantId: participant.participantId,
      userIdA: participant.userIdA,
      ...(participant.userIdB === null ? {} : { userIdB: participant.userIdB }),
    };
    usage(
      sim,
      this.resource,
      this.random,
      this.correlationId,
      participant.usageType,
      this.resource.minuteUnit,
      round(minutes, 4),
      participant.join,
      participant.leave,
      common,
    );
    if (participant.relayed) {
      usage(
        sim,
        this.resource,
        this.random,
        this.correlationId,
        'NAT',
        this.resource.megabyteUnit,
        round(minutes * this.random.between(0.3, 1.2), 2),
        participant.join,
        participant.leave,
        common,
      );
    }
  }
}

interface SummaryFacts {
  correlationId: string;
  recordingId: string;
  started: number;
  seconds: number;
  endReason: string;
  content: ContentConfig;
  audioChannels: number;
}

/**
 * Writes the summary `summaryDelayMinutes` after the recording ended (short delays more likely),
 * and the recording's billing usage a little after the end. A few summaries are never written.
 */
function scheduleSummary(sim: Simulation, resource: SimResource, random: Random, endedAt: number, facts: SummaryFacts, minuteUnit: string): void {
  const [min, max] = sim.options.summaryDelayMinutes;
  const u = random.next();
  const delay = (min + (max - min) * u * u) * MS_PER_MINUTE;
  if (!random.chance(0.02)) sim.schedule(endedAt + delay, (s) => summary(s, resource, random, facts));
  const minutes = facts.seconds / 60;
  sim.schedule(endedAt + random.between(30_000, 120_000), (s) =>
    usage(s, resource, random, facts.correlationId, 'Recording', minuteUnit, round(minutes, 4), facts.started, endedAt, {}),
  );
}

function summary(sim: Simulation, resource: SimResource, random: Random, facts: SummaryFacts): void {
  const length = round(facts.seconds, 2);
  const properties: Record<string, unknown> = {
    recordingId: facts.recordingId,
    recordingEndReason: facts.endReason,
    recordingStartTime: isoTime7(facts.started, random.int(0, 9999)),
    // Written as a string now and then, as in the seed ("73872.94").
    recordingLength: random.chance(0.1) ? length.toFixed(2) : length,
    chunkCount: Math.max(1, Math.ceil(facts.seconds / CHUNK_SECONDS)),
    contentType: facts.content.contentType,
    channelType: facts.content.channelType,
  };
  if (facts.content.formatType !== null) properties['formatType'] = facts.content.formatType;
  properties['audioChannelsCount'] = facts.audioChannels;
  sim.emit(SUMMARIES, resource, {
    time: sim.stamp(sim.now, random),
    resourceId: resource.resourceId,
    category: SUMMARIES,
    operationName: 'RecordingSummary',
    operationVersion: '1.0',
    correlationId: facts.correlationId,
    level: 'Informational',
    resultType: 'Succeeded',
    location: resource.location,
    properties,
  });
}

function usage(
  sim: Simulation,
  resource: SimResource,
  random: Random,
  correlationId: string,
  usageType: string,
  unitType: string,
  quantity: number,
  start: number,
  end: number,
  people: Record<string, string>,
): void {
  sim.emit(USAGE, resource, {
    time: sim.stamp(sim.now, random),
    resourceId: resource.resourceId,
    category: USAGE,
    operationName: 'Usage',
    operationVersion: '1.0',
    correlationId,
    level: 'Informational',
    resultType: 'Succeeded',
    location: resource.location,
    properties: {
      recordId: guid(random),
      usageType,
      unitType,
      quantity,
      startTime: isoTime7(Math.round(start), random.int(0, 9999)),
      endTime: isoTime7(Math.round(end), random.int(0, 9999)),
      ...people,
    },
  });
}

/** A recording made from the Teams client: its summary (and billing) arrive with no operations. */
function teamsRecording(sim: Simulation, resource: SimResource, random: Random): void {
  const seconds = Math.min(4 * 3600, Math.max(5, random.logNormal(20 * 60, 0.9)));
  const facts: SummaryFacts = {
    correlationId: guid(random),
    recordingId: recordingId(random),
    started: Math.round(sim.now - seconds * 1000),
    seconds,
    endReason: random.chance(0.7) ? 'CallEnded' : 'StopRecordingRequested',
    content: { contentType: 'Audio - Video', channelType: 'mixed', formatType: 'mp4' },
    audioChannels: 1,
  };
  scheduleSummary(sim, resource, random, sim.now, facts, resource.minuteUnit);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
