import { z } from 'zod';
import { storedNullable } from '../../storage/storedRows.js';
import { bucketRowShape, storedCount, storedOptionalCount, storedOptionalText } from '../rowSchemas.js';

/** A row of the RoomsOperations table (roomsOperationsView.ts). */
export const roomsOperationsRowSchema = z.object({
  ...bucketRowShape,
  operationName: z.string(),
  operationVersion: storedOptionalText,
  resultType: storedOptionalText,
  resultSignature: storedOptionalText,
  count: storedCount,
});

/** What a room's row tells (`query rooms` shows these). */
export const roomValuesSchema = z.object({
  resourceId: z.string(),
  roomId: z.string(),
  createdAt: storedOptionalText,
  lifespanMinutes: storedNullable(z.number()),
  pstnDialOutEnabled: storedNullable(z.boolean()),
  participantsAdded: storedCount.default(0),
  participantsUpserted: storedCount.default(0),
  participantsRemoved: storedCount.default(0),
  participantsCount: storedOptionalCount,
  participantsAttendee: storedOptionalCount,
  participantsConsumer: storedOptionalCount,
  participantsPresenter: storedOptionalCount,
  operations: storedCount,
  failedOperations: storedCount.default(0),
  lastOperationAt: storedOptionalText,
  deletedAt: storedOptionalText,
});

export type RoomValues = z.output<typeof roomValuesSchema>;

/** When a latest value was observed (rowValues.ts keepLatest): kept to fold in any order, not shown. */
const observedAt = storedOptionalText;

/** A row of the Rooms table (roomsView.ts): one per room, its values and the times that order them. */
export const roomRowSchema = roomValuesSchema.extend({
  firstOperationAt: storedOptionalText,
  lifespanMinutesAt: observedAt,
  pstnDialOutEnabledAt: observedAt,
  participantsCountAt: observedAt,
  participantsAttendeeAt: observedAt,
  participantsConsumerAt: observedAt,
  participantsPresenterAt: observedAt,
});
