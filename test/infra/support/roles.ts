/**
 * Azure built-in roles (well-known, tenant-independent role definition ids) and the storage
 * operations the app performs, each mapped to the permission it needs and the least-privileged
 * built-in role that grants it. Sources: learn.microsoft.com/azure/role-based-access-control/built-in-roles
 * (ids and permissions), .../storage/blobs|queues|tables authorize-with-azure-active-directory
 * (permission per REST operation), .../azure-functions/functions-reference (roles for identity-based
 * AzureWebJobsStorage and blob triggers).
 */
import { AGGREGATES_CONNECTION, HOST_CONNECTION, LOGS_CONNECTION } from '../../../src/lib/config/appSettings.js';

export const BUILT_IN_ROLES = {
  'Storage Blob Data Reader': '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
  'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  'Storage Queue Data Reader': '19e7f393-937e-4f77-808e-94535e297925',
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  'Storage Table Data Reader': '76199698-9eea-4c19-bc75-cec21354c6b6',
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  'Storage Account Contributor': '17d1049b-9a84-46fb-8f53-869881c3d3ab',
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
} as const;

export type RoleName = keyof typeof BUILT_IN_ROLES;

export function roleName(id: string): RoleName | undefined {
  return (Object.keys(BUILT_IN_ROLES) as RoleName[]).find((name) => BUILT_IN_ROLES[name] === id.toLowerCase());
}

const SA = 'Microsoft.Storage/storageAccounts';

/** Actions and data actions of each role (trailing * is a wildcard). */
export const ROLE_PERMISSIONS: Record<RoleName, string[]> = {
  'Storage Blob Data Reader': [
    `${SA}/blobServices/containers/read`,
    `${SA}/blobServices/generateUserDelegationKey/action`,
    `${SA}/blobServices/containers/blobs/read`,
  ],
  'Storage Blob Data Contributor': [
    `${SA}/blobServices/containers/delete`,
    `${SA}/blobServices/containers/read`,
    `${SA}/blobServices/containers/write`,
    `${SA}/blobServices/generateUserDelegationKey/action`,
    `${SA}/blobServices/containers/blobs/delete`,
    `${SA}/blobServices/containers/blobs/read`,
    `${SA}/blobServices/containers/blobs/write`,
    `${SA}/blobServices/containers/blobs/move/action`,
    `${SA}/blobServices/containers/blobs/add/action`,
  ],
  'Storage Blob Data Owner': [`${SA}/blobServices/containers/*`, `${SA}/blobServices/generateUserDelegationKey/action`],
  'Storage Queue Data Reader': [`${SA}/queueServices/queues/read`, `${SA}/queueServices/queues/messages/read`],
  'Storage Queue Data Contributor': [
    `${SA}/queueServices/queues/delete`,
    `${SA}/queueServices/queues/read`,
    `${SA}/queueServices/queues/write`,
    `${SA}/queueServices/queues/messages/delete`,
    `${SA}/queueServices/queues/messages/read`,
    `${SA}/queueServices/queues/messages/write`,
    `${SA}/queueServices/queues/messages/process/action`,
    `${SA}/queueServices/queues/messages/add/action`,
  ],
  'Storage Table Data Reader': [`${SA}/tableServices/tables/read`, `${SA}/tableServices/tables/entities/read`],
  'Storage Table Data Contributor': [
    `${SA}/tableServices/tables/read`,
    `${SA}/tableServices/tables/write`,
    `${SA}/tableServices/tables/delete`,
    `${SA}/tableServices/tables/entities/read`,
    `${SA}/tableServices/tables/entities/write`,
    `${SA}/tableServices/tables/entities/delete`,
    `${SA}/tableServices/tables/entities/add/action`,
    `${SA}/tableServices/tables/entities/update/action`,
  ],
  'Storage Account Contributor': [`${SA}/*`],
  'Monitoring Metrics Publisher': ['Microsoft.Insights/Register/Action', 'Microsoft.Insights/Metrics/Write', 'Microsoft.Insights/Telemetry/Write'],
  Contributor: ['*'],
  Owner: ['*'],
};

export function grants(role: RoleName, permission: string): boolean {
  return ROLE_PERMISSIONS[role].some((pattern) =>
    pattern.endsWith('*') ? permission.toLowerCase().startsWith(pattern.slice(0, -1).toLowerCase()) : pattern.toLowerCase() === permission.toLowerCase(),
  );
}

export type Service = 'blob' | 'queue' | 'table';

export interface Operation {
  /** The connection (app-setting prefix) the operation goes through. */
  connection: string;
  service: Service;
  operation: string;
  permission: string;
  /** Least-privileged built-in role that grants the permission (or that the docs require). */
  minimumRole: RoleName;
}

/** The operations on one connection and service that one role covers: `[operation, permission]` each. */
interface OperationGroup {
  connection: string;
  service: Service;
  minimumRole: RoleName;
  operations: [operation: string, permission: string][];
}

const BLOB = `${SA}/blobServices/containers`;
const QUEUE = `${SA}/queueServices/queues`;
const TABLE = `${SA}/tableServices/tables`;

/** What the code does (src/lib/storage/BlobLogSource.ts, TableStore.ts) and what the Functions host does. */
const OPERATION_GROUPS: OperationGroup[] = [
  // The code, on the logs account: read only; and the Functions host, for the Event Grid blob trigger on LogsStorage.
  {
    connection: LOGS_CONNECTION,
    service: 'blob',
    minimumRole: 'Storage Blob Data Reader',
    operations: [
      ['get blob properties (stat)', `${BLOB}/blobs/read`],
      ['ranged download (read)', `${BLOB}/blobs/read`],
      ['list blobs (sweep)', `${BLOB}/blobs/read`],
      ['container exists (get container properties)', `${BLOB}/read`],
      ['host: read the triggering blob', `${BLOB}/blobs/read`],
    ],
  },
  {
    connection: LOGS_CONNECTION,
    service: 'queue',
    minimumRole: 'Storage Queue Data Contributor',
    operations: [['host: blob trigger poison queue (create queue, add message)', `${QUEUE}/messages/add/action`]],
  },
  // The code, on the aggregates account.
  {
    connection: AGGREGATES_CONNECTION,
    service: 'table',
    minimumRole: 'Storage Table Data Contributor',
    operations: [
      ['create table', `${TABLE}/write`],
      ['query entities, get entity', `${TABLE}/entities/read`],
      ['insert entity (create)', `${TABLE}/entities/add/action`],
      ['update / upsert entity', `${TABLE}/entities/update/action`],
      ['delete entity', `${TABLE}/entities/delete`],
      ['batch transaction (create, update, upsert)', `${TABLE}/entities/write`],
    ],
  },
  // The Functions host on its own storage (identity-based AzureWebJobsStorage; Blob Data Owner is
  // what the Functions documentation and the Flex Consumption samples assign).
  {
    connection: HOST_CONNECTION,
    service: 'blob',
    minimumRole: 'Storage Blob Data Owner',
    operations: [['host: keys, timer schedule, singleton leases, deployment package', `${BLOB}/blobs/write`]],
  },
  {
    connection: HOST_CONNECTION,
    service: 'queue',
    minimumRole: 'Storage Queue Data Contributor',
    operations: [['host: Event Grid blob trigger queue', `${QUEUE}/messages/process/action`]],
  },
  {
    connection: HOST_CONNECTION,
    service: 'table',
    minimumRole: 'Storage Table Data Contributor',
    operations: [['host: diagnostic events table', `${TABLE}/entities/add/action`]],
  },
];

/** Every operation with its connection, service, permission and minimum role. */
export const OPERATIONS: Operation[] = OPERATION_GROUPS.flatMap(({ operations, ...group }) =>
  operations.map(([operation, permission]) => ({ ...group, operation, permission })),
);

/** Roles the operations on one account need: the union of their minimum roles. */
export function minimumRoles(operations: readonly Operation[]): Set<RoleName> {
  return new Set(operations.map((op) => op.minimumRole));
}
