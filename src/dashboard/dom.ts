import { durationText } from '../lib/durationText.js';
import { printable } from '../lib/printable.js';
import { resourceShortName } from '../lib/querying/resourceName.js';
import { clipped } from './cut.js';

// Cutting is pure (tested without a page); the sections import it from here with the rest.
export { clipped, clippedMiddle, MAX_TITLE_CHARS } from './cut.js';

/**
 * Builds DOM from data with textContent only: values from logs (ids, names) never become markup,
 * and their invisible characters (bidirectional overrides, zero-width spaces, controls) are shown as
 * `\uXXXX`, as the CLI shows them, so that no value reads as another.
 */
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, name === 'title' ? printable(value) : value);
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(printable(String(child))));
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
/** Below 1, three significant digits, as the CLI's tables write them: two decimals showed 0.000002 megabytes as `0`. */
const small = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (Number.isInteger(value)) return integer.format(value);
  return Math.abs(value) < 1 ? small.format(value) : decimal.format(value);
}

/** A quantity with its unit, singular for 1 (`1 record`, `4,269.3 minutes`); symbols (`ms`, `%`) stay as they are. */
export function quantityText(value: number | null | undefined, unit: string): string {
  const number = formatNumber(value);
  if (unit === '') return number;
  if (!/^[a-z]{3,}$/i.test(unit)) return `${number} ${unit}`;
  const singular = unit.endsWith('s') ? unit.slice(0, -1) : unit;
  return `${number} ${value === 1 ? singular : `${singular}s`}`;
}

/** `2024-05-25 04:13:07` (UTC): ISO without the clutter. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

/** Seconds as the two largest units: `3 h 12 min`, `2 d 4 h`. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  return durationText(seconds);
}

/** The resource's name: the last part of its id (`.../COMMUNICATIONSERVICES/CONTOSO-ACS` is `CONTOSO-ACS`). */
export function shortResource(resourceId: string): string {
  return clipped(resourceShortName(resourceId), 60).text;
}

export function countsText(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? '–' : entries.map(([name, count]) => `${name} ${count}`).join(', ');
}
