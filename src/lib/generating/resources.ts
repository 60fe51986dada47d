/** The fake ACS resources whose logs are generated, and the habits of the apps that call them. */
import { documentationIp, guid } from './format.js';
import { mix, Random, Weighted } from './random.js';

export interface SimResource {
  index: number;
  /** Upper-case ARM id, as Azure Monitor writes it in records and paths. */
  resourceId: string;
  /** Host name label: `https://<host>.communication.azure.com`. */
  host: string;
  /** The resource's immutable id, the first part of its ACS user ids. */
  immutableId: string;
  /** ACS resources are global; the data location is separate. */
  location: string;
  /** `resourceId=/SUBSCRIPTIONS/...` (the path prefix of every file of this resource). */
  pathPrefix: string;
  /** The app servers that call the Rooms and Call Automation APIs. */
  appIps: string[];
  roomsVersion: string;
  callAutomationVersion: string;
  sdkType: string;
  /** Spellings of usage units this resource's records use (`Minute`/`Megabyte` or `minutes`/`megabytes`). */
  minuteUnit: string;
  megabyteUnit: string;
  /** The resource's own phone number (PSTN usage records). */
  phoneNumber: string;
}

const GROUPS = ['CONTOSO-RG', 'RG-COMMS-PROD', 'RG-CONTACT-CENTER', 'FABRIKAM-COMMS', 'RG-VIRTUAL-VISITS', 'WOODGROVE-PROD'];
const NAMES = ['CONTOSO-ACS', 'FABRIKAM-ACS-PROD', 'TAILSPIN-CALLS', 'WOODGROVE-ACS', 'NORTHWIND-COMMS', 'ADATUM-RECORDER'];

export const ROOMS_VERSIONS = new Weighted<string>([
  ['2024-04-15', 7],
  ['2023-10-30-preview', 2],
  ['2023-06-14', 1],
]);

export const CALL_AUTOMATION_VERSIONS = new Weighted<string>([
  ['2024-09-15', 5],
  ['2023-10-15', 3],
  ['2023-03-06', 1],
]);

export const SDK_TYPES = new Weighted<string>([
  ['dotnet', 5],
  ['java', 2],
  ['javascript', 2],
  ['python', 1],
]);

/** Published Call Automation SDK versions per SDK type, with a pre-release seen in the seed. */
export const SDK_VERSIONS: Readonly<Record<string, Weighted<string>>> = {
  dotnet: new Weighted([
    ['1.3.0', 4],
    ['1.2.0', 3],
    ['1.1.0', 1],
    ['1.0.0-alpha.20220829.1', 0.3],
  ]),
  java: new Weighted([
    ['1.3.1', 3],
    ['1.2.5', 2],
    ['1.1.3', 1],
  ]),
  javascript: new Weighted([
    ['1.3.0', 3],
    ['1.2.0', 2],
    ['1.1.0', 1],
  ]),
  python: new Weighted([
    ['1.3.0', 2],
    ['1.2.0', 2],
    ['1.1.0', 1],
  ]),
};

export function createResources(seed: number, count: number): SimResource[] {
  const random = new Random(mix(seed, 0x5e5));
  const subscriptions: string[] = [];
  const resources: SimResource[] = [];
  for (let index = 0; index < count; index++) {
    // A few resources share each subscription, as in a real tenant.
    if (index % 3 === 0) subscriptions.push(guid(random).toUpperCase());
    const subscription = subscriptions[subscriptions.length - 1] as string;
    const group = GROUPS[index % GROUPS.length] as string;
    const base = NAMES[index % NAMES.length] as string;
    const name = index < NAMES.length ? base : `${base}-${Math.floor(index / NAMES.length) + 1}`;
    const resourceId = `/SUBSCRIPTIONS/${subscription}/RESOURCEGROUPS/${group}/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/${name}`;
    const plural = random.chance(0.3);
    resources.push({
      index,
      resourceId,
      host: name.toLowerCase(),
      immutableId: guid(random),
      location: 'global',
      pathPrefix: `resourceId=${resourceId}`,
      appIps: [documentationIp(random), documentationIp(random), documentationIp(random)],
      roomsVersion: ROOMS_VERSIONS.draw(random),
      callAutomationVersion: CALL_AUTOMATION_VERSIONS.draw(random),
      sdkType: SDK_TYPES.draw(random),
      minuteUnit: plural ? 'minutes' : 'Minute',
      megabyteUnit: plural ? 'megabytes' : 'Megabyte',
      phoneNumber: `+14255550${100 + random.int(0, 99)}`, // 425-555-0100..0199, reserved for fiction
    });
  }
  return resources;
}
