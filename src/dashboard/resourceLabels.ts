import { resourceShortName } from '../lib/querying/resourceName.js';

/**
 * The names the resource filter lists: a resource's own name (the last segment of its id, as tables
 * show it), followed by its resource group where another listed resource has the same name, and by
 * the start of its subscription where that is not enough either, so that no two entries read alike.
 * Pure (tested without a page).
 */
export function resourceLabels(ids: readonly string[]): Map<string, string> {
  const labels = new Map<string, string>();
  const levels = [
    (id: string): string => resourceShortName(id),
    (id: string): string => `${resourceShortName(id)} (${groupOf(id)})`,
    (id: string): string => `${resourceShortName(id)} (${groupOf(id)}, ${subscriptionOf(id)})`,
  ];
  let pending = [...new Set(ids)];
  for (const label of levels) {
    const byLabel = new Map<string, string[]>();
    for (const id of pending) byLabel.set(label(id), [...(byLabel.get(label(id)) ?? []), id]);
    pending = [];
    for (const [text, same] of byLabel) {
      if (same.length === 1) labels.set(same[0] as string, text);
      else pending.push(...same);
    }
  }
  // Ids alike in name, group and subscription start: only the whole id tells them apart.
  for (const id of pending) labels.set(id, id);
  return labels;
}

function segments(id: string): string[] {
  return id.split('/').filter((segment) => segment !== '');
}

/** The segment after `resourceGroups` (any case), or `-` for an id without one. */
function groupOf(id: string): string {
  const parts = segments(id);
  const at = parts.findIndex((part) => part.toLowerCase() === 'resourcegroups');
  return at >= 0 && at + 1 < parts.length ? (parts[at + 1] as string) : '-';
}

/** The first 8 characters of the segment after `subscriptions` (any case), or `-`. */
function subscriptionOf(id: string): string {
  const parts = segments(id);
  const at = parts.findIndex((part) => part.toLowerCase() === 'subscriptions');
  return at >= 0 && at + 1 < parts.length ? (parts[at + 1] as string).slice(0, 8) : '-';
}
