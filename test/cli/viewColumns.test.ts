import { describe, expect, it } from 'vitest';
import { chooseColumns, fitDefaultColumns, sameNamedResources } from '../../src/cli/viewColumns.js';
import { UsageError } from '../../src/cli/errors.js';
import { oneLine } from '../../src/cli/printable.js';

const id = (subscription: string, name: string): string =>
  `/SUBSCRIPTIONS/${subscription}/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/${name}`;

describe('resources that tables would show alike', () => {
  it('names each name shared by resources of other subscriptions, with how many share it', () => {
    const rows = [
      { resourceId: id('1111', 'ACS-A') },
      { resourceId: id('3333', 'ACS-A') },
      { resourceId: id('1111', 'ACS-B') },
      { resourceId: id('1111', 'ACS-A') },
    ];
    expect(sameNamedResources(['bucket', 'resourceId', 'count'], rows)).toBe(
      'resources of one name in other subscriptions or resource groups: ACS-A (2); the table shows their names only: --format json or csv, or --resource with the full id, tells them apart',
    );
  });

  it('says nothing when names are distinct, or when the table does not show resources', () => {
    expect(sameNamedResources(['resourceId'], [{ resourceId: id('1111', 'ACS-A') }, { resourceId: id('1111', 'XACS-A') }])).toBeUndefined();
    expect(sameNamedResources(['bucket', 'count'], [{ resourceId: id('1111', 'ACS-A') }, { resourceId: id('2222', 'ACS-A') }])).toBeUndefined();
  });
});

describe('resource names in notes', () => {
  it('are written as the table shows them, so a line break or trailing space in a name does not read as another name', () => {
    for (const [name, shown] of [
      ['A\nB', 'A\\u000aB'],
      ['DUP ', 'DUP\\u0020'],
    ] as const) {
      const rows = [{ resourceId: id('1111', name) }, { resourceId: id('2222', name) }];
      expect(oneLine(sameNamedResources(['resourceId'], rows) ?? '')).toContain(`: ${shown} (2);`);
      const note = fitDefaultColumns(
        ['bucket', 'resourceId', 'operationName', 'count'],
        [{ ...rows[0], bucket: '2024-05-25', operationName: 'x', count: 1 }],
        'day',
        30,
      ).note;
      expect(oneLine(note ?? '')).toContain(`resourceId (${shown} in every row)`);
    }
  });
});

describe('default columns that fit whole', () => {
  const row = {
    bucket: '2024-05-25T08:00:00.000Z',
    mediaType: 'Audio',
    streams: 58,
    poorStreams: 3,
    jitterMs: { p50: 4.015, p95: 21.116, max: 46.066 },
    roundTripMs: { p50: 59.745, p95: 125.225, max: 671.939 },
    packetLoss: { p50: 0.00219, p95: 0.0135, max: 0.152 },
  };
  const columns = ['bucket', 'mediaType', 'streams', 'poorStreams', 'jitterMs', 'roundTripMs', 'packetLoss'];

  it('leaves out the last ones that cannot fit with times and statistics whole, and says how to see them', () => {
    expect(fitDefaultColumns(columns, [row], 'hour', 80)).toEqual({
      columns: columns.slice(0, 6),
      note: `packetLoss left out to fit 80 columns (times, numbers and statistics are not cut): --wide, or --columns ${columns.join(',')}, shows it`,
    });
    expect(fitDefaultColumns(columns, [row], 'hour', 120)).toEqual({ columns });
    expect(fitDefaultColumns(columns, [row], 'hour', 60).note).toMatch(/^roundTripMs, packetLoss left out to fit 60 columns .*shows them$/);
  });
});

describe('a narrow table of times', () => {
  const rows = [{ roomId: '99466774429639734', createdAt: '2024-05-25T00:10:00.000Z', deletedAt: '2024-05-25T00:48:12.000Z', participantsCount: 3 }];
  const columns = ['roomId', 'createdAt', 'deletedAt', 'participantsCount'];

  it('keeps times whole, as the note says: a cut time (2024-05-25 00:1…) reads as another time, so the last columns go instead', () => {
    expect(fitDefaultColumns(columns, rows, undefined, 80)).toEqual({ columns });
    expect(fitDefaultColumns(columns, rows, undefined, 60)).toEqual({
      columns: columns.slice(0, 3),
      note: `participantsCount left out to fit 60 columns (times, numbers and statistics are not cut): --wide, or --columns ${columns.join(',')}, shows it`,
    });
  });
});

describe('a narrow table of one resource', () => {
  const rows = [
    { bucket: '2024-05-25', resourceId: id('1111', 'CONTOSO-ACS'), operationName: 'AddParticipants', resultSignature: 200, count: 3 },
    { bucket: '2024-05-25', resourceId: id('1111', 'CONTOSO-ACS'), operationName: 'CreateRoom', resultSignature: 201, count: 13 },
  ];
  const columns = ['bucket', 'resourceId', 'operationName', 'resultSignature', 'count'];

  it('leaves out the resource first, named in the note, so that the count stays beside its labels', () => {
    expect(fitDefaultColumns(columns, rows, 'day', 40)).toEqual({
      columns: ['bucket', 'operationName', 'resultSignature', 'count'],
      note: `resourceId (CONTOSO-ACS in every row) left out to fit 40 columns (times, numbers and statistics are not cut): --wide, or --columns ${columns.join(',')}, shows it`,
    });
  });

  it('rows of two resources leave out the last columns, as before', () => {
    const two = [rows[0]!, { ...rows[1]!, resourceId: id('1111', 'OTHER-ACS') }];
    expect(fitDefaultColumns(columns, two, 'day', 40).columns).toEqual(['bucket', 'resourceId', 'operationName']);
  });
});

describe('--columns', () => {
  const fields = ['correlationId', 'matched', 'operations'];

  it('shows the fields named, in their order', () => {
    expect(chooseColumns('calls', fields, { columns: 'matched, correlationId' })).toEqual({ columns: ['matched', 'correlationId'], fit: true });
  });

  it('refuses a field named twice, as the HTTP API refuses it in fields=', () => {
    for (const columns of ['correlationId,correlationId', 'matched,correlationId, matched']) {
      expect(() => chooseColumns('calls', fields, { columns })).toThrow(UsageError);
    }
    expect(() => chooseColumns('calls', fields, { columns: 'correlationId,matched,correlationId' })).toThrow(
      '--columns names "correlationId" twice: give each field once',
    );
  });

  it('refuses an empty name among names (a comma too many), as the HTTP API refuses it in fields=', () => {
    for (const columns of [',matched', 'matched,', 'matched,,correlationId', 'matched, ,correlationId']) {
      expect(() => chooseColumns('calls', fields, { columns }), columns).toThrow(
        `--columns has an empty name in "${columns}": separate names with single commas`,
      );
    }
    // No name at all is its own message.
    expect(() => chooseColumns('calls', fields, { columns: ' , ' })).toThrow('--columns names no column');
  });

  it('names the field a name in the wrong case is most likely meant for, as the HTTP API does in fields=', () => {
    expect(() => chooseColumns('calls', fields, { columns: 'CorrelationId,MATCHED' })).toThrow(
      'unknown columns "CorrelationId", "MATCHED" for calls: did you mean correlationId, matched? (choose from correlationId, matched, operations)',
    );
    // A name that is no field in any case: the fields only.
    expect(() => chooseColumns('calls', fields, { columns: 'CorrelationId,nope' })).toThrow(
      'unknown columns "CorrelationId", "nope" for calls: choose from correlationId, matched, operations',
    );
  });
});
