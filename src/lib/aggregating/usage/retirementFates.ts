/**
 * What happens on 2028-09-30 to the service behind each billing UsageType, per Microsoft's
 * "Retirement and breaking changes guide for Azure Communication Services" (azure-docs,
 * articles/communication-services/acs-retirement-and-breaking-changes-guide.md, ms.date 08/18/2026):
 * retired (not available afterwards), breaking change (available, supported only with a Teams-aligned
 * service), unaffected, or unknown. Pure.
 *
 * The guide names services, not UsageType values, and Microsoft documents only one UsageType value
 * (`Audio`, in the ACSBillingUsage sample queries). So every entry says where its UsageType spelling
 * comes from; a UsageType not listed here is `unknown`, never guessed.
 */
export type Fate = 'retired' | 'breaking change' | 'unaffected' | 'unknown';

export interface FateEntry {
  /** The ACS service the usage bills, as the guide names it. */
  service: string;
  fate: Fate;
  /** Where the UsageType spelling and the fate come from. */
  source: string;
}

export const RETIREMENT_DATE = '2028-09-30';

const GUIDE = 'ACS retirement and breaking changes guide (azure-docs acs-retirement-and-breaking-changes-guide.md, 08/18/2026)';
const SAMPLE_QUERIES =
  'ACSBillingUsage sample queries (azure-reference-other azure-monitor-ref/queries/acsbillingusage.md: tolower(UsageType) == "audio" selects calls)';
const INFERRED = 'UsageType spelling inferred (not documented)';

/** UsageType, squashed (lower case, letters and digits only) → its fate. */
const FATES: ReadonlyMap<string, FateEntry> = new Map<string, FateEntry>([
  ['audio', { service: 'Voice/Video Calling', fate: 'breaking change', source: `${SAMPLE_QUERIES}; fate: ${GUIDE}, "ACS Voice/Video Calling SDK"` }],
  ['video', { service: 'Voice/Video Calling', fate: 'breaking change', source: `${INFERRED}; fate: ${GUIDE}, "ACS Voice/Video Calling SDK"` }],
  ['recording', { service: 'Call Recording', fate: 'breaking change', source: `${INFERRED}; fate: ${GUIDE}, "ACS Call Recording"` }],
  ['callrecording', { service: 'Call Recording', fate: 'breaking change', source: `${INFERRED}; fate: ${GUIDE}, "ACS Call Recording"` }],
  ['pstn', { service: 'Number Management (Direct Offer) PSTN', fate: 'retired', source: `${INFERRED}; fate: ${GUIDE}, "PSTN (Direct Offer) | Retirement"` }],
  ['chat', { service: 'Chat', fate: 'retired', source: `${INFERRED}; fate: ${GUIDE}, "ACS Chat"` }],
  ['sms', { service: 'SMS', fate: 'retired', source: `${INFERRED}; fate: ${GUIDE}, "ACS SMS"` }],
  ['email', { service: 'Email', fate: 'retired', source: `${INFERRED}; fate: ${GUIDE}, "ACS Email"` }],
  ['rooms', { service: 'Rooms', fate: 'retired', source: `${INFERRED}; fate: ${GUIDE}, "ACS Rooms"` }],
  ['jobrouter', { service: 'Job Router', fate: 'retired', source: `${INFERRED}; fate: ${GUIDE}, "ACS Job Router"` }],
  ['directrouting', { service: 'Direct Routing', fate: 'retired', source: `${INFERRED}; fate: ${GUIDE}, "ACS Direct Routing"` }],
  [
    'advancedmessaging',
    { service: 'Advanced Messaging (WhatsApp)', fate: 'retired', source: `${INFERRED}; fate: ${GUIDE}, "ACS Advanced Messaging with WhatsApp"` },
  ],
  ['whatsapp', { service: 'Advanced Messaging (WhatsApp)', fate: 'retired', source: `${INFERRED}; fate: ${GUIDE}, "ACS Advanced Messaging with WhatsApp"` }],
]);

const UNKNOWN: FateEntry = {
  service: '(unknown)',
  fate: 'unknown',
  source: `UsageType not in the documented mapping (docs/RETIREMENT.md); ${GUIDE} names services, not UsageType values`,
};

/** The fate of a UsageType, without regard to case, spaces or punctuation. */
export function fateOf(usageType: string): FateEntry {
  return FATES.get(usageType.toLowerCase().replace(/[^a-z0-9]/g, '')) ?? UNKNOWN;
}

/** Every mapped UsageType (squashed) with its fate, for the documentation and its test. */
export function mappedUsageTypes(): readonly [string, FateEntry][] {
  return [...FATES];
}
