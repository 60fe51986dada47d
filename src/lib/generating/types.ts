/** Public types of the synthetic log generator. */

export interface GenerateOptions {
  /** Same seed + options => byte-identical output. */
  seed: number;
  /** Simulated time range, epoch ms UTC: activity starts at `from`; nothing is written at or after `to`. */
  from: number;
  to: number;
  /** ACS resources (default 1). */
  resources: number;
  /** Rooms created per resource-hour, on average (the Rooms volume knob). */
  roomsPerHour: number;
  /** Recorded calls per resource-hour, on average (the Call Recording and Usage volume knob). */
  callsPerHour: number;
  /** Share of API requests that fail (0..1), default 0.03. */
  failureRate: number;
  /** Range of minutes between a recording's end and its summary record (default [2, 90]). */
  summaryDelayMinutes: [number, number];
}

export interface LogFileRef {
  /** `insights-logs-<category lower case>`. */
  container: string;
  /** `resourceId=/SUBSCRIPTIONS/<GUID>/RESOURCEGROUPS/<RG>/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/<NAME>/y=YYYY/m=MM/d=DD/h=HH/m=00/PT1H.json` */
  path: string;
}

/** One block Azure Monitor appends to one `PT1H.json`. */
export interface LogAppend {
  file: LogFileRef;
  /** Simulated time Azure Monitor writes this block (epoch ms); inside the hour of `file`. */
  at: number;
  /** JSON Lines, each ending with '\n'. */
  lines: string[];
}

export interface GenerateTotals {
  /** Distinct files written to. */
  files: number;
  appends: number;
  /** Lines (records). */
  records: number;
  /** UTF-8 bytes. */
  bytes: number;
  /** Records per category (`RoomsOperational`, ...; the container name when it is not a known one). */
  byCategory: Record<string, number>;
}

/**
 * Where `writeLogsToBlobs` writes: an adapter over an append-blob client, so this module never imports
 * an Azure SDK. `appendBlock` receives at most 4 MiB.
 */
export interface BlobAppendTarget {
  /**
   * Optional: creates the append blob empty if it does not exist (Azure Monitor creates each file
   * empty, which is what raises Event Grid's BlobCreated). Called once per file before its first
   * `appendBlock`. Without it, `appendBlock` must create a missing blob itself. What it resolves to is
   * the target's (BlobLogWriter says whether the blob was new); the writer does not use it.
   */
  createBlob?(file: LogFileRef): Promise<unknown>;
  appendBlock(file: LogFileRef, data: Buffer): Promise<void>;
}
