/**
 * EndpointType as the documentation writes it: the logs write one type in several casings (`VOIP`
 * and `VoIP`, `BOT` and `Bot`), which are one type wherever it is compared, counted or keyed.
 */
const DOCUMENTED = new Map(['Server', 'VoIP', 'PSTN', 'Bot', 'Unknown', 'Voicemail', 'Anonymous'].map((t) => [t.toLowerCase(), t]));

/** A known type in the documentation's spelling, whatever the casing and surrounding spaces; another value trimmed. */
export function documentedEndpointType(value: string): string {
  const trimmed = value.trim();
  return DOCUMENTED.get(trimmed.toLowerCase()) ?? trimmed;
}
