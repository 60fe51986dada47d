/**
 * `call-volume`: per resource, per hour and UTC day of callStartTime, the calls that have call logs:
 * calls, call time, legs and leg time, calls by CallType, legs by endpoint type, impacted calls and
 * calls with at least one recording summary. Kept from the calls' contributions (callContribution.ts),
 * so a later version that changes a call changes these rows too. Pure.
 */
import { addTo } from '../rowValues.js';
import type { RowData } from '../types.js';
import { joinKey } from '../../storage/keys.js';
import { addCount, type CallContribution, type ContributionTarget } from './callContribution.js';

export const CALL_VOLUME_TABLE = 'CallVolume';

export const callVolumeTarget: ContributionTarget = {
  table: CALL_VOLUME_TABLE,

  rowKeys(c: CallContribution): string[] {
    return [joinKey('h', c.hour.slice(0, 13)), joinKey('d', c.day.slice(0, 10))];
  },

  apply(row: RowData, rowKey: string, c: CallContribution, sign: 1 | -1): void {
    const hourly = rowKey.startsWith('h|');
    row['resourceId'] = c.resourceId;
    row['granularity'] = hourly ? 'hour' : 'day';
    row['bucket'] = hourly ? c.hour : c.day;
    addTo(row, 'calls', sign);
    addTo(row, 'callMs', sign * c.callMs);
    addTo(row, 'participants', sign * c.participants);
    addTo(row, 'participantMs', sign * c.participantMs);
    addTo(row, 'impactedCalls', c.impacted ? sign : 0);
    addTo(row, 'recordedCalls', c.recorded ? sign : 0);
    addCount(row, 'byCallType', c.callType, sign);
    for (const [type, legs] of Object.entries(c.endpointTypes)) addCount(row, 'byEndpointType', type, sign * legs);
  },
};
