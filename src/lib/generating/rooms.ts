/**
 * Rooms: each room lives through CreateRoom, GetRoom as participants join, participant changes,
 * now and then a PatchRoom/UpdateRoom, and usually DeleteRoom near the end of its lifespan; a room
 * looked up after its deletion answers 404. ListRooms comes from the app, not from a room.
 */
import type { Category } from '../normalizing/types.js';
import { base64Id, MS_PER_MINUTE } from './format.js';
import { decide, failure, requestDuration, signature, WITH_BAD_INPUT, type Outcome } from './outcomes.js';
import { Weighted, type Random } from './random.js';
import { ROOMS_VERSIONS, type SimResource } from './resources.js';
import { schedulePoisson, type Simulation } from './simulation.js';

const CATEGORY: Category = 'RoomsOperational';

/** Lifespans in minutes; the seed and samples show 30, 45, 60, 61, 90, 120, 121. */
const LIFESPANS = new Weighted<number>([
  [30, 2],
  [45, 1],
  [60, 4],
  [61, 1],
  [90, 2],
  [120, 3],
  [121, 1],
  [180, 1],
  [240, 1],
  [480, 0.3],
  [1440, 0.2],
]);

/** Participants a room is created with. */
const INITIAL_PARTICIPANTS = new Weighted<number>([
  [0, 1],
  [1, 1],
  [2, 4],
  [3, 4],
  [4, 3],
  [5, 2],
  [6, 1],
  [8, 1],
  [12, 0.5],
  [25, 0.2],
]);

/** Median request durations (ms) per operation. */
const MEDIAN_MS: Readonly<Record<string, number>> = {
  CreateRoom: 45,
  GetRoom: 22,
  ListRooms: 38,
  PatchRoom: 60,
  UpdateRoom: 60,
  DeleteRoom: 50,
  AddParticipants: 70,
  UpdateParticipants: 75,
  RemoveParticipants: 65,
  GetParticipants: 30,
};

/** Lifespans the service refuses (400). */
const BAD_LIFESPANS = [0, 999_999, 1_051_201, 2_000_000];

interface Roles {
  attendee: number;
  presenter: number;
  consumer: number;
}

function total(roles: Roles): number {
  return roles.attendee + roles.presenter + roles.consumer;
}

function addRoles(random: Random, roles: Roles, count: number): void {
  for (let i = 0; i < count; i++) {
    const x = random.next();
    if (x < 0.15 || roles.presenter === 0) roles.presenter++;
    else if (x < 0.3) roles.consumer++;
    else roles.attendee++;
  }
}

function removeRoles(random: Random, roles: Roles, count: number): number {
  let removed = 0;
  for (let i = 0; i < count && total(roles) > 0; i++) {
    if (roles.attendee > 0 && (random.next() < 0.7 || roles.consumer + roles.presenter === 0)) roles.attendee--;
    else if (roles.consumer > 0) roles.consumer--;
    else roles.presenter--;
    removed++;
  }
  return removed;
}

function roleFields(roles: Roles): Record<string, number> {
  return {
    roomParticipantsCount: total(roles),
    roomParticipantsAttendee: roles.attendee,
    roomParticipantsPresenter: roles.presenter,
    roomParticipantsConsumer: roles.consumer,
  };
}

/** One Rooms API request as Azure Monitor writes it. */
function request(
  sim: Simulation,
  resource: SimResource,
  random: Random,
  operation: string,
  version: string,
  outcome: Outcome,
  properties: Record<string, unknown>,
): void {
  sim.emit(CATEGORY, resource, {
    time: sim.stamp(sim.now, random),
    resourceId: resource.resourceId,
    category: CATEGORY,
    operationName: operation,
    operationVersion: version,
    correlationId: base64Id(random, 16),
    level: outcome.level,
    resultType: outcome.resultType,
    // CreateRoom's 201 is a number in the seed; other operations mix numbers and strings.
    resultSignature: operation === 'CreateRoom' && !outcome.failed ? outcome.status : signature(random, outcome.status, 0.35),
    durationMs: requestDuration(random, MEDIAN_MS[operation] ?? 50, outcome),
    callerIpAddress: random.chance(0.9) ? (resource.appIps[0] as string) : random.pick(resource.appIps),
    location: resource.location,
    properties,
  });
}

/** Room ids: 17 digits starting 99466 (as in the seed), unique per resource (a permuted counter). */
function roomIdMaker(random: Random): () => string {
  const base = BigInt(random.int(0, 999_999)) * 1_000_000n + BigInt(random.int(0, 999_999));
  let n = 0n;
  return () => {
    const value = (base + n++ * 982_451_653n) % 1_000_000_000_000n;
    return '99466' + value.toString().padStart(12, '0');
  };
}

export function startRooms(sim: Simulation, resource: SimResource): void {
  const { roomsPerHour, failureRate } = sim.options;
  if (!(roomsPerHour > 0)) return;
  const spawner = sim.random(0x100, resource.index);
  const nextRoomId = roomIdMaker(sim.random(0x101, resource.index));
  schedulePoisson(sim, spawner, roomsPerHour, (_time, n) => {
    const random = sim.random(0x102, resource.index, n);
    new Room(resource, random, nextRoomId, failureRate).create(sim, 1);
  });

  // The app lists its rooms now and then (an admin page, a cleanup job).
  const lists = sim.random(0x103, resource.index);
  schedulePoisson(sim, lists, Math.max(0.5, roomsPerHour * 0.12), () => {
    const outcome = decide(lists, failureRate, 200);
    request(sim, resource, lists, 'ListRooms', resource.roomsVersion, outcome, {});
  });
}

class Room {
  private readonly version: string;
  private readonly patchName: string;
  private lifespan: number;
  private pstn: boolean;
  private readonly roles: Roles = { attendee: 0, presenter: 0, consumer: 0 };
  private roomId = '';
  private deleted = false;

  constructor(
    private readonly resource: SimResource,
    private readonly random: Random,
    private readonly nextRoomId: () => string,
    private readonly failureRate: number,
  ) {
    this.version = random.chance(0.9) ? resource.roomsVersion : ROOMS_VERSIONS.draw(random);
    this.patchName = this.version.endsWith('-preview') || random.chance(0.25) ? 'UpdateRoom' : 'PatchRoom';
    this.lifespan = LIFESPANS.draw(random);
    this.pstn = random.chance(0.2);
  }

  private send(sim: Simulation, operation: string, outcome: Outcome, properties: Record<string, unknown>): void {
    request(sim, this.resource, this.random, operation, this.version, outcome, properties);
  }

  create(sim: Simulation, attempt: number): void {
    const random = this.random;
    const outcome = decide(random, this.failureRate, 201, WITH_BAD_INPUT);
    if (outcome.failed) {
      if (outcome.status === 400) {
        // A lifespan out of range; the app fixes it and tries again, or gives up.
        this.send(sim, 'CreateRoom', outcome, { roomLifespan: random.pick(BAD_LIFESPANS), pstnDialOutEnabled: this.pstn });
        if (attempt < 3 && random.chance(0.7)) sim.schedule(sim.now + random.between(10_000, 60_000), (s) => this.create(s, attempt + 1));
      } else {
        this.send(sim, 'CreateRoom', outcome, { roomLifespan: this.lifespan, pstnDialOutEnabled: this.pstn });
        if (attempt < 3) sim.schedule(sim.now + random.between(1_000, 8_000), (s) => this.create(s, attempt + 1));
      }
      return;
    }
    this.roomId = this.nextRoomId();
    addRoles(random, this.roles, INITIAL_PARTICIPANTS.draw(random));
    this.send(sim, 'CreateRoom', outcome, {
      roomId: this.roomId,
      roomLifespan: this.lifespan,
      addedRoomParticipantsCount: total(this.roles),
      pstnDialOutEnabled: this.pstn,
      ...roleFields(this.roles),
    });
    this.planLife(sim);
  }

  private planLife(sim: Simulation): void {
    const random = this.random;
    const start = sim.now;
    const life = this.lifespan * MS_PER_MINUTE;
    const deleteAt = random.chance(0.7) ? start + life * random.between(0.85, 1) : Infinity;
    const end = Math.min(deleteAt, start + life) - 1_000;
    const at = (): number => start + random.between(Math.min(30_000, life * 0.05), Math.max(end - start, 60_000));
    const plan = (count: number, step: (s: Simulation) => void): void => {
      for (let i = 0; i < count; i++) {
        const time = at();
        if (time < end) sim.schedule(time, step);
      }
    };
    plan(random.poisson(1 + total(this.roles) * 0.8), (s) => this.getRoom(s));
    plan(random.poisson(0.6), (s) => this.addParticipants(s));
    plan(random.poisson(0.4), (s) => this.updateParticipants(s));
    plan(random.poisson(0.3), (s) => this.removeParticipants(s));
    plan(random.poisson(0.8), (s) => this.getParticipants(s));
    if (random.chance(0.25)) plan(1, (s) => this.patch(s));
    if (deleteAt !== Infinity) {
      sim.schedule(deleteAt, (s) => this.delete(s));
      // A client that still holds the room looks it up after the deletion: 404.
      if (random.chance(Math.min(0.9, this.failureRate * 2))) {
        sim.schedule(deleteAt + random.between(1, 20) * MS_PER_MINUTE, (s) => this.getRoom(s));
      }
    }
  }

  /** A request's outcome: 404 once the room is gone, else success or (at the failure rate) a failure. */
  private outcome(status: number, kinds?: Weighted<number>): Outcome {
    if (this.deleted) return failure(404);
    return kinds === undefined ? decide(this.random, this.failureRate, status) : decide(this.random, this.failureRate, status, kinds);
  }

  private getRoom(sim: Simulation): void {
    const outcome = this.outcome(200);
    const properties: Record<string, unknown> = { roomId: this.roomId };
    if (!outcome.failed) {
      properties['roomLifespan'] = this.lifespan;
      if (this.random.chance(0.5)) properties['pstnDialOutEnabled'] = this.pstn;
    }
    this.send(sim, 'GetRoom', outcome, properties);
  }

  private getParticipants(sim: Simulation): void {
    this.send(sim, 'GetParticipants', this.outcome(200), { roomId: this.roomId });
  }

  private addParticipants(sim: Simulation): void {
    const outcome = this.outcome(200);
    const count = this.random.int(1, 4);
    if (outcome.failed) {
      this.send(sim, 'AddParticipants', outcome, { roomId: this.roomId });
      return;
    }
    addRoles(this.random, this.roles, count);
    this.send(sim, 'AddParticipants', outcome, { roomId: this.roomId, addedRoomParticipantsCount: count, ...roleFields(this.roles) });
  }

  private updateParticipants(sim: Simulation): void {
    const outcome = this.outcome(200);
    if (outcome.failed) {
      this.send(sim, 'UpdateParticipants', outcome, { roomId: this.roomId });
      return;
    }
    const upserted = this.random.int(1, 3);
    const removed = removeRoles(this.random, this.roles, this.random.chance(0.4) ? 1 : 0);
    addRoles(this.random, this.roles, upserted);
    this.send(sim, 'UpdateParticipants', outcome, {
      roomId: this.roomId,
      roomLifespan: this.lifespan,
      upsertedRoomParticipantsCount: upserted,
      removedRoomParticipantsCount: removed,
      roomParticipantsCount: total(this.roles),
    });
  }

  private removeParticipants(sim: Simulation): void {
    if (total(this.roles) === 0) {
      this.getParticipants(sim);
      return;
    }
    const outcome = this.outcome(200);
    if (outcome.failed) {
      this.send(sim, 'RemoveParticipants', outcome, { roomId: this.roomId });
      return;
    }
    const removed = removeRoles(this.random, this.roles, this.random.int(1, 2));
    this.send(sim, 'RemoveParticipants', outcome, { roomId: this.roomId, removedRoomParticipantsCount: removed, roomParticipantsCount: total(this.roles) });
  }

  private patch(sim: Simulation): void {
    const outcome = this.outcome(200, WITH_BAD_INPUT);
    if (outcome.failed) {
      const properties: Record<string, unknown> = { roomId: this.roomId };
      if (outcome.status === 400) properties['roomLifespan'] = this.random.pick(BAD_LIFESPANS);
      this.send(sim, this.patchName, outcome, properties);
      return;
    }
    if (this.random.chance(0.7)) this.lifespan += this.random.pick([15, 30, 60]);
    if (this.random.chance(0.4)) this.pstn = !this.pstn;
    this.send(sim, this.patchName, outcome, { roomId: this.roomId, roomLifespan: this.lifespan, pstnDialOutEnabled: this.pstn });
  }

  private delete(sim: Simulation): void {
    const outcome = this.outcome(204);
    const properties: Record<string, unknown> = { roomId: this.roomId };
    if (this.random.chance(0.5)) properties['roomLifespan'] = this.lifespan;
    this.send(sim, 'DeleteRoom', outcome, properties);
    if (!outcome.failed) {
      this.deleted = true;
      return;
    }
    // The app retries a failed delete shortly after.
    if (outcome.status !== 404) sim.schedule(sim.now + this.random.between(2_000, 30_000), (s) => this.delete(s));
  }
}
