import 'uplot/dist/uPlot.min.css';
import './style.css';
import { ApiError, apiRoot, createApi, type ViewRows } from './api.js';
import { destroyCharts } from './charts.js';
import { clipped, formatNumber, h, MAX_TITLE_CHARS, replaceChildren } from './dom.js';
import { resourceLabels } from './resourceLabels.js';
import { CELL_CHARS, keepOrdersIn } from './table.js';
import { renderCallQuality } from './sections/callQuality.js';
import { CALL_LIST_FIELDS, renderCallDetail, renderCalls, type CallListRow } from './sections/calls.js';
import { renderCallVolume } from './sections/callVolume.js';
import { renderHealth } from './sections/health.js';
import { renderRecordingOperations } from './sections/recordingOperations.js';
import { renderRecordings, renderRecordingsPerCall } from './sections/recordings.js';
import { renderRetirement } from './sections/retirement.js';
import { renderRooms, renderRoomsOperations, ROOM_LIST_FIELDS, type RoomListRow } from './sections/rooms.js';
import { renderUsage } from './sections/usage.js';
import { apiFilters, DEFAULT_RANGE_DAYS, defaultFrom, readState, tableSort, withTableSort, writeState, type DashboardState } from './state.js';
import { UNBUCKETED_VIEWS } from '../lib/querying/bucketNote.js';
import { matchesResource, resourceMatch } from '../lib/querying/filters.js';
import { resourceShortName } from '../lib/querying/resourceName.js';
import type {
  CallQualityRow,
  CallRow,
  CallVolumeRow,
  Health,
  RecordingOperationsRow,
  RecordingsPerCallRow,
  RecordingsRow,
  RetirementRow,
  RoomsOperationsRow,
  UsageRow,
} from '../lib/querying/queryRows.js';

const api = createApi(apiRoot(location.pathname), new URLSearchParams(location.search).get('code'));
let state: DashboardState = readState(location.search);
/** Each load's number: an answer for an older load (the filters changed meanwhile) is dropped. */
let generation = 0;
/** Aborts the requests of the load before: a range left while its views (thousands of rows, page after page) were still coming is not read on. */
let loading: AbortController | undefined;
const knownResources = new Set<string>();
/**
 * Longest resource id offered as a filter, percent-encoded as requests carry it: Azure's are a few
 * hundred characters, and a longer one (written by hand into a log; 2,000 CJK characters are 18 KB
 * encoded) would make every request's URL too long for the server (431), and the page's own link.
 */
const MAX_RESOURCE_FILTER_URL_CHARS = 2_048;

/** Whether a resource id can be a filter: short enough encoded, and encodable (a lone surrogate is not). */
function offerable(resourceId: string): boolean {
  try {
    return encodeURIComponent(resourceId).length <= MAX_RESOURCE_FILTER_URL_CHARS;
  } catch {
    return false;
  }
}

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

const form = byId<HTMLFormElement>('filters');
const fromInput = byId<HTMLInputElement>('from');
const toInput = byId<HTMLInputElement>('to');
const granularityInput = byId<HTMLSelectElement>('granularity');
const resourceInput = byId<HTMLSelectElement>('resource');
const statusLine = byId<HTMLElement>('load-status');
const queryNotes = byId<HTMLElement>('query-notes');
const rangeNote = byId<HTMLElement>('range-note');
const filterError = byId<HTMLElement>('filter-error');
const loadError = byId<HTMLElement>('load-error');
/** The filter inputs by the API parameter they set: a 400 naming one marks it invalid. */
const inputsByParameter: Readonly<Record<string, HTMLElement>> = { from: fromInput, to: toInput, granularity: granularityInput, resource: resourceInput };

function showState(): void {
  fromInput.value = state.from;
  toInput.value = state.to;
  granularityInput.value = state.granularity;
  fillResources();
  document.title = pageTitle();
}

/** The page's title says what it shows (a tab, a bookmark, a screen reader's first words): range, resource and granularity. */
function pageTitle(): string {
  const range = !state.rangeGiven
    ? allHistoryShown
      ? 'all of the history'
      : `the last ${DEFAULT_RANGE_DAYS} days of data`
    : state.from === '' && state.to === ''
      ? 'all of the history'
      : state.to === ''
        ? `from ${inUtc(state.from)}`
        : state.from === ''
          ? `until ${inUtc(state.to)}`
          : OWN_OFFSET.test(state.from) || OWN_OFFSET.test(state.to)
            ? `${inUtc(state.from)} to ${inUtc(state.to)}`
            : `${state.from} to ${state.to} (UTC)`;
  const resource = state.resource === '' ? 'all resources' : clipped(resourceShortName(state.resource), 60).text;
  return `acs-logs dashboard: ${clipped(range, 120).text}, ${resource}, by ${clipped(state.granularity, 20).text}`;
}

/** A time (after `T` or the space the API also takes) that ends with its own offset (`Z`, `+02:00`, `-0530`, `+02`): not one read as UTC. */
const OWN_OFFSET = /[T ].*(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** A time as typed, said to be UTC unless it gives its own offset (`from 2024-05-25T04:00+02:00 (UTC)` would misstate it). */
function inUtc(time: string): string {
  return OWN_OFFSET.test(time) ? time : `${time} (UTC)`;
}

function fillResources(): void {
  const resources = new Set(knownResources);
  if (state.resource) {
    // A link naming a resource by its name (as the API takes it) lists it once, under that name, not also under its id.
    const match = resourceMatch(state.resource);
    for (const id of knownResources) if (id !== state.resource && matchesResource(match, id)) resources.delete(id);
    resources.add(state.resource);
  }
  const labels = resourceLabels([...resources]);
  const labelled = [...resources].map((id) => ({ id, label: labels.get(id) ?? resourceShortName(id) }));
  // In the order of the names shown, not of the ids, which their subscription's GUID leads (WOODGROVE-ACS before ADATUM-ACS).
  labelled.sort((a, b) => a.label.localeCompare(b.label, 'en', { numeric: true }) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  replaceChildren(
    resourceInput,
    h('option', { value: '' }, 'all resources'),
    ...labelled.map(({ id, label }) => {
      // A name alone is cut at 60 characters, as tables cut it; with its group or subscription at 80.
      return h('option', { value: id, title: clipped(id, MAX_TITLE_CHARS).text }, clipped(label, label === resourceShortName(id) ? 60 : 80).text);
    }),
  );
  resourceInput.value = state.resource;
}

/** Changes the state and the URL: a new history entry when the view changes, the same one while typing a search. */
function setState(next: Partial<DashboardState>, entry: 'push' | 'replace'): void {
  state = { ...state, ...next };
  document.title = pageTitle();
  const url = `${location.pathname}${writeState(state, location.search)}${location.hash}`;
  // Apply with the filters already shown adds no entry: Back would seem to do nothing.
  const same = url === `${location.pathname}${location.search}${location.hash}`;
  if (entry === 'push' && !same) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

// A heading's order is in the URL, as a search is (no Back entry of its own): a link or a reload shows the same order.
keepOrdersIn({
  get: (table) => tableSort(state.sort, table),
  set: (table, order) => setState({ sort: withTableSort(state.sort, table, order) }, 'replace'),
});

/**
 * The keyboard's arrows step a closed select through its options, each step a change: the page
 * applies the option the keyboard stops on, after this long, not each one it passes (a load and a
 * Back entry apiece). A choice made with the pointer, or Enter, applies at once.
 */
const KEYED_SELECT_SETTLE_MS = 600;
let selectTimer: number | undefined;

form.addEventListener('submit', (event) => {
  event.preventDefault();
  window.clearTimeout(selectTimer);
  setState(
    {
      from: fromInput.value.trim(),
      to: toInput.value.trim(),
      granularity: granularityInput.value || 'hour',
      resource: resourceInput.value,
      call: '',
      rangeGiven: true,
    },
    'push',
  );
  void load();
});
for (const input of [granularityInput, resourceInput]) {
  let keyed = false;
  input.addEventListener('keydown', (event) => {
    keyed = event.key !== 'Enter';
    if (event.key === 'Enter') form.requestSubmit();
  });
  input.addEventListener('pointerdown', () => {
    keyed = false;
  });
  input.addEventListener('change', () => {
    window.clearTimeout(selectTimer);
    if (keyed) selectTimer = window.setTimeout(() => form.requestSubmit(), KEYED_SELECT_SETTLE_MS);
    else form.requestSubmit();
  });
}
byId('all-time').addEventListener('click', () => {
  setState({ from: '', to: '', call: '', rangeGiven: true }, 'push');
  showState();
  void load();
});
// Reset opens the page as a link without filters does: on the last days of data.
byId('reset').addEventListener('click', () => {
  setState({ from: '', to: '', granularity: 'hour', resource: '', search: '', room: '', call: '', sort: '', rangeGiven: false }, 'push');
  showState();
  void load();
});
// Back and Forward: reload only when the filters differ; a fragment link (#rooms) changes nothing.
window.addEventListener('popstate', () => {
  const next = readState(location.search);
  const filtersChanged = (['from', 'to', 'granularity', 'resource', 'rangeGiven'] as const).some((key) => next[key] !== state[key]);
  const callChanged = next.call !== state.call;
  const searchChanged = next.search !== state.search || next.room !== state.room || next.sort !== state.sort;
  state = next;
  if (filtersChanged || (searchChanged && held === undefined)) {
    showState();
    void load();
  } else if (searchChanged) {
    // The same filters' rows are on the page: another search or order draws them again, not the views read again (seconds on a large store).
    showState();
    redrawHeld(held as HeldLoad);
    if (callChanged) void openCall(state.call, null);
  } else if (callChanged) {
    void openCall(state.call, null);
  }
});

function errorText(error: unknown): string {
  return error instanceof ApiError ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}

/** What a part shows when it cannot be read: never an alert of its own, as one failure (a server answering 500 to every view) would be said once per part. */
function errorBox(what: string, error: unknown): HTMLElement {
  // Refused filters are said once, beside the form (showFilterError); each part only points there.
  if (error instanceof ApiError && error.badFilters) return h('p', { class: 'error' }, `not read: the filters above are not valid`);
  // A server that does not answer is said once, in the status line; each part only points there.
  if (error instanceof ApiError && error.unreached) return h('p', { class: 'error' }, `not read: the server could not be reached`);
  // Any other failure is said once, under the filters (showLoadError); each part shows its own.
  return h('p', { class: 'error' }, `could not read ${what}: ${errorText(error)}`);
}

/** A failure as the alert under the filters says it: the API's own words, without the view's path and status, which each part shows. */
function reasonText(error: unknown): string {
  if (error instanceof ApiError && error.said !== undefined) return error.said;
  return errorText(error).replace(/^(?:query\/[^:\s]*|health): /, '');
}

/**
 * Every failure of a load but refused filters (said beside the form) and a server not reached (said
 * in the status line), said once for the page, each reason once; left as it is while the page reads
 * again and fails alike, so that a screen reader does not hear it again at each retry.
 */
function showLoadError(reasons: readonly unknown[]): void {
  const unsaid = reasons.filter((reason) => !(reason instanceof ApiError && (reason.badFilters || reason.unreached)));
  const text = unsaid.length === 0 ? '' : `${unsaid.length} part(s) of the page could not be read: ${[...new Set(unsaid.map(reasonText))].join('; ')}`;
  if (loadError.textContent !== text) loadError.textContent = text;
  loadError.hidden = text === '';
}

/** The API's 400 for the filters, once for the page, with the inputs it names marked invalid. */
function showFilterError(error: ApiError | undefined): void {
  for (const input of Object.values(inputsByParameter)) input.removeAttribute('aria-invalid');
  filterError.hidden = error === undefined;
  filterError.textContent = error === undefined ? '' : `The filters are not valid: ${error.said ?? error.message}`;
  for (const parameter of error?.answer?.parameters ?? []) inputsByParameter[parameter]?.setAttribute('aria-invalid', 'true');
}

type Settled<T> = PromiseSettledResult<T>;

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ status: 'fulfilled', value }) as const,
    (reason: unknown) => ({ status: 'rejected', reason }) as const,
  );
}

/** One view of a section, requested at once, drawn when its section's views have all arrived. */
interface Part {
  view: string;
  result: Promise<Settled<ViewRows<unknown>>>;
  draw: (target: HTMLElement, rows: unknown[]) => void;
}

function partOf<T>(
  view: string,
  filters: URLSearchParams,
  signal: AbortSignal,
  draw: (target: HTMLElement, rows: T[]) => void,
  fields?: readonly string[],
): Part {
  const params = filtersFor(view, filters);
  const asked = fields === undefined ? params : new URLSearchParams([...params, ['fields', fields.join(',')]]);
  return { view, result: settle(api.view<unknown>(view, asked, signal)), draw: draw as Part['draw'] };
}

/** A view without time buckets is asked without the granularity, which it would only note it ignores. */
function filtersFor(view: string, filters: URLSearchParams): URLSearchParams {
  if (!UNBUCKETED_VIEWS.includes(view)) return filters;
  const params = new URLSearchParams(filters);
  params.delete('granularity');
  return params;
}

/** Draws one part of a section from its view, or says why it cannot; returns its rows. */
function drawPart(target: HTMLElement, part: Part, result: Settled<ViewRows<unknown>>): number {
  const box = h('div', { class: 'part', 'data-view': part.view });
  target.appendChild(box);
  if (result.status === 'rejected') {
    box.appendChild(errorBox(part.view, result.reason));
    return 0;
  }
  const { rows, truncated } = result.value;
  for (const row of rows) {
    const resourceId = (row as { resourceId?: unknown }).resourceId;
    if (typeof resourceId === 'string' && resourceId !== '' && offerable(resourceId)) knownResources.add(resourceId);
  }
  if (truncated) box.appendChild(h('p', { class: 'note' }, `showing the first ${formatNumber(rows.length)} rows: narrow the time range to see all`));
  try {
    part.draw(box, rows);
  } catch (error) {
    // Rows the page cannot draw (an API of another version): said in their part as a view not read is, and the rest of the page still drawn and finished.
    destroyCharts(box);
    box.replaceChildren(h('p', { class: 'error' }, `could not draw ${part.view}: ${errorText(error)}`));
    throw error;
  }
  return rows.length;
}

/** What a load drew, each section from its parts' results and Health: held while its filters are shown, as long as all of it was read and drawn. */
interface HeldLoad {
  sections: Array<{ id: string; parts: Part[]; results: Array<Settled<ViewRows<unknown>>> }>;
  health: Health;
}

let held: HeldLoad | undefined;

/** Draws every section again from the rows `load` read, with the search and orders of the state now shown. */
function redrawHeld(load: HeldLoad): void {
  for (const { id, parts, results } of load.sections) {
    const body = section(id);
    parts.forEach((part, i) => drawPart(body, part, results[i] as Settled<ViewRows<unknown>>));
  }
  renderHealth(section('health'), load.health);
}

/** A section's body, emptied (its charts destroyed) for a new drawing. */
function section(id: string): HTMLElement {
  const element = byId(id);
  const body = element.querySelector<HTMLElement>('.body');
  if (!body) throw new Error(`#${id} has no .body`);
  destroyCharts(body);
  body.replaceChildren();
  element.classList.remove('stale');
  element.removeAttribute('aria-busy');
  return body;
}

/**
 * Requests every view at once and draws each section as soon as its views are in, so a slow view
 * (calls joins every call of the range) holds back only its own section.
 */
async function load(byRetry = false): Promise<void> {
  window.clearTimeout(retryTimer);
  // A load the user asked for (filters, reset, Back) may read again by itself from the start.
  if (!byRetry) retries = 0;
  const mine = ++generation;
  held = undefined;
  const current = (): boolean => mine === generation;
  loading?.abort();
  loading = new AbortController();
  const { signal } = loading;
  document.body.dataset['state'] = 'loading';
  statusLine.textContent = 'loading…';
  // Dimmed while read again, and said so to screen readers: what a section shows is the previous filters' until it is drawn.
  for (const element of document.querySelectorAll('main > section')) {
    element.classList.add('stale');
    element.setAttribute('aria-busy', 'true');
  }
  const started = performance.now();
  // Asked once: it finds the default range, and Health draws it.
  const healthResult = settle(api.health<Health>(signal));
  let fallback: string | undefined;
  if (!state.rangeGiven) {
    allHistoryShown = false;
    // No range in the URL: the last days of data, from the newest record health gives, waited for a little only.
    statusLine.textContent = 'finding the newest record…';
    let timer: number | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = window.setTimeout(() => resolve('late'), HEALTH_WAIT_MS);
    });
    const first = await Promise.race([healthResult, late]);
    window.clearTimeout(timer);
    if (!current()) return;
    const from = first !== 'late' && first.status === 'fulfilled' ? defaultFrom(first.value.containers.map((c) => c.newestRecordAt)) : undefined;
    // No newest record (none stored, or health not read in time): all of the history is shown, and the title says so.
    allHistoryShown = from === undefined;
    document.title = pageTitle();
    if (from !== undefined) {
      // Replaced, not pushed: Back leaves the page as before, and a reload or a link shows the same range.
      defaultRangeFrom = from;
      setState({ from, to: '', rangeGiven: true }, 'replace');
      showState();
    } else if (first === 'late') {
      fallback = `The newest record could not be read within ${HEALTH_WAIT_MS / 1000} s: showing all of the history (reload to open on the last ${DEFAULT_RANGE_DAYS} days of data).`;
    } else if (first.status === 'rejected') {
      fallback = `The newest record could not be read (${errorText(first.reason)}): showing all of the history.`;
    }
    statusLine.textContent = 'loading…';
  }
  showRangeNote(fallback);
  const filters = apiFilters(state);
  // The call a link opens is asked before the views: the server takes requests in turn, and behind them (calls joins every call of the range) one call's lookup waited seconds.
  const opened = openCall(state.call, null, true);
  // Charts show every bucket between their first and last, empty ones too.
  const step = state.granularity === 'day' ? 86_400 : 3_600;
  let rows = 0;
  let failed = 0;
  const reasons: unknown[] = [];
  const drawn: HeldLoad['sections'] = [];
  let drawnHealth: Health | undefined;
  // The API's notes on the filters (a range inside a bucket), once each, with the view when only one gives it.
  const notes = new Map<string, string[]>();
  queryNotes.hidden = true;
  const fill = async (id: string, parts: Part[]): Promise<void> => {
    const results = await Promise.all(parts.map((part) => part.result));
    if (!current()) return;
    const body = section(id);
    parts.forEach((part, i) => {
      const result = results[i] as Settled<ViewRows<unknown>>;
      if (result.status === 'rejected') {
        failed++;
        reasons.push(result.reason);
      } else for (const note of result.value.notes) notes.set(note, [...(notes.get(note) ?? []), part.view]);
      try {
        rows += drawPart(body, part, result);
      } catch (error) {
        failed++;
        reasons.push(error);
      }
    });
    drawn.push({ id, parts, results });
    replaceChildren(queryNotes, ...[...notes].map(([note, views]) => h('span', {}, views.length === 1 ? `${views[0]}: ${note}` : note)));
    queryNotes.hidden = notes.size === 0;
    fillResources();
  };
  const health = healthResult.then((result) => {
    if (!current()) return;
    const body = section('health');
    if (result.status === 'fulfilled') {
      renderHealth(body, result.value);
      drawnHealth = result.value;
      // A reload, or a link, of the range the page chose is still the last days of data: the note says so again.
      const from = defaultFrom(result.value.containers.map((c) => c.newestRecordAt));
      if (from !== undefined && defaultRangeFrom !== from && state.rangeGiven && state.from === from && state.to === '') {
        defaultRangeFrom = from;
        showRangeNote(undefined);
      } else if (from !== undefined && !state.rangeGiven) {
        // Health came after the page stopped waiting: the last days of data are one click away, not a reload.
        rangeNote.append(' ', lastDaysButton(from));
      }
    } else {
      failed++;
      reasons.push(result.reason);
      body.appendChild(errorBox('health', result.reason));
    }
  });
  await Promise.all([
    fill('rooms', [
      partOf<RoomsOperationsRow>('rooms-operations', filters, signal, (target, rows) => renderRoomsOperations(target, rows, step)),
      // Only the fields the table reads: a room's dial-out, upserts and participants by role are not shown.
      partOf<RoomListRow>(
        'rooms',
        filters,
        signal,
        (target, rows) => renderRooms(target, rows, { search: state.room, onSearch: (room) => setState({ room }, 'replace') }),
        ROOM_LIST_FIELDS,
      ),
    ]),
    fill('recordings', [
      partOf<RecordingsRow>('recordings', filters, signal, (target, rows) => renderRecordings(target, rows, step)),
      partOf<RecordingsPerCallRow>('recordings-per-call', filters, signal, renderRecordingsPerCall),
    ]),
    fill('recording-operations', [
      partOf<RecordingOperationsRow>('recording-operations', filters, signal, (target, rows) => renderRecordingOperations(target, rows, step)),
    ]),
    fill('call-volume', [partOf<CallVolumeRow>('call-volume', filters, signal, (target, rows) => renderCallVolume(target, rows, step))]),
    fill('call-quality', [partOf<CallQualityRow>('call-quality', filters, signal, (target, rows) => renderCallQuality(target, rows, step))]),
    fill('calls', [
      // Only the fields the table shows: a call's recordings and operations are most of its row, and the drill-down reads them for its call.
      partOf<CallListRow>(
        'calls',
        filters,
        signal,
        (target, callRows) =>
          renderCalls(target, callRows, {
            search: state.search,
            onSearch: (search) => setState({ search }, 'replace'),
            onOpen: (id) => void openCall(id, 'push'),
          }),
        CALL_LIST_FIELDS,
      ),
    ]),
    fill('usage', [partOf<UsageRow>('usage', filters, signal, (target, rows) => renderUsage(target, rows, step))]),
    fill('retirement', [partOf<RetirementRow>('retirement', filters, signal, renderRetirement)]),
    health,
    opened.then((reason) => reason !== undefined && reasons.push(reason)),
  ]);
  if (!current()) return;
  if (failed === 0 && drawnHealth !== undefined) held = { sections: drawn, health: drawnHealth };
  const refused = reasons.find((reason): reason is ApiError => reason instanceof ApiError && reason.badFilters);
  showFilterError(refused);
  showLoadError(reasons);
  const unreached = reasons.some((reason) => reason instanceof ApiError && reason.unreached);
  const waiting = reasons.flatMap((reason) =>
    reason instanceof ApiError && reason.answer?.retryAfterSeconds !== undefined
      ? [{ ...reason.answer, retryAfterSeconds: reason.answer.retryAfterSeconds }]
      : [],
  );
  // A server that did not answer (`acs-logs serve` stopped, restarting) is tried again as storage away is.
  const waits = [...waiting.map((answer) => answer.retryAfterSeconds), ...(unreached ? [UNREACHED_RETRY_SECONDS] : [])];
  // `busy` is the server itself at its limit of requests, not storage away: said as what it is.
  const why = unreached
    ? 'the server could not be reached'
    : waiting.every((answer) => answer.code === 'busy')
      ? 'the server is busy'
      : 'storage could not be reached';
  const delay = waits.length > 0 && retries < MAX_RETRIES ? retryDelaySeconds(Math.max(...waits)) : undefined;
  // A wait longer than a timer holds (a Retry-After of weeks) is left to Apply: the timer would fire at once, again and again.
  const retryIn = delay !== undefined && delay <= MAX_TIMER_SECONDS ? delay : undefined;
  statusLine.textContent =
    `${formatNumber(rows)} rows in ${formatNumber(Math.round(performance.now() - started))} ms` +
    (failed > 0 ? ` · ${failed} part(s) could not be read` : '') +
    (retryIn !== undefined ? ` · ${why}: trying again in ${retryIn} s` : waits.length > 0 ? ` · ${why}: Apply to try again` : '');
  if (retryIn !== undefined) retryTimer = window.setTimeout(() => void load(true), retryIn * 1000);
  document.body.dataset['state'] = 'ready';
}

/** A page opened without a range showed all of the history, finding no newest record: its title says so, not the last days. */
let allHistoryShown = false;
/** How long a page opened without a range waits for health (the newest record) before it reads all of the history. */
const HEALTH_WAIT_MS = 5_000;
/** The `from` the default range gave: the note under the filters says so while it is the range shown. */
let defaultRangeFrom: string | undefined;

/** Under the filters: the range the page chose (the last days of data), or why it shows all of the history. */
function showRangeNote(fallback: string | undefined): void {
  const chosen = defaultRangeFrom !== undefined && state.rangeGiven && state.from === defaultRangeFrom && state.to === '';
  const text =
    fallback ?? (chosen ? `Showing the last ${DEFAULT_RANGE_DAYS} days of data (from ${defaultRangeFrom} UTC); All time shows everything.` : undefined);
  rangeNote.hidden = text === undefined;
  rangeNote.textContent = text ?? '';
  rangeNote.dataset['note'] = fallback === undefined ? 'default-range' : 'no-default-range';
}

/** Shows the last days of data from `from`, as a page opened without a range does. */
function lastDaysButton(from: string): HTMLElement {
  const button = h('button', { type: 'button', id: 'last-days' }, `Show the last ${DEFAULT_RANGE_DAYS} days (from ${from})`);
  button.addEventListener('click', () => {
    defaultRangeFrom = from;
    setState({ from, to: '', call: '', rangeGiven: true }, 'push');
    showState();
    void load();
  });
  return button;
}

/** The next load after storage could not be reached, while it cannot be: each wait twice the one before, from the server's Retry-After up to a minute. */
let retryTimer: number | undefined;
let retries = 0;

function retryDelaySeconds(retryAfter: number): number {
  // Never sooner than the server asked; the page's own back-off up to a minute beyond that.
  const delay = Math.max(retryAfter, Math.min(MAX_RETRY_SECONDS, Math.max(1, retryAfter) * 2 ** Math.min(retries, 6)));
  retries++;
  return Math.ceil(delay);
}

const MAX_RETRY_SECONDS = 60;
/** The longest wait a browser's timer holds (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
const MAX_TIMER_SECONDS = Math.floor(2 ** 31 / 1000) - 1;
/** The first wait after the server did not answer at all: it says nothing of when to come back. */
const UNREACHED_RETRY_SECONDS = 2;
/** Reads again by itself at most this many times in a row (about ten minutes), then waits for the user. */
const MAX_RETRIES = 12;

/**
 * Opens one call (its own request, by CorrelationId), or closes the drill-down when `id` is empty.
 * Opened by a load (`byLoad`), a failure is returned for the load to say with the others; otherwise
 * the drill-down says it.
 */
async function openCall(id: string, entry: 'push' | null, byLoad = false): Promise<unknown> {
  if (entry) setState({ call: id }, entry);
  const detail = byId('call-detail');
  if (!id) {
    // Closed by Back with the focus in it: the keyboard goes back to the row that opened the call, not to the next chart's canvas.
    const focused = detail.contains(document.activeElement);
    detail.hidden = true;
    detail.replaceChildren();
    if (focused) document.querySelector<HTMLElement>('[data-table=calls] tbody tr[tabindex="0"]')?.focus();
    return undefined;
  }
  const close = h('button', { type: 'button', class: 'close' }, 'close');
  close.addEventListener('click', () => {
    void openCall('', 'push');
    // The button is gone with the drill-down: the keyboard goes back to the row that opened the call, not to the page's top.
    document.querySelector<HTMLElement>('[data-table=calls] tbody tr[tabindex="0"]')?.focus();
  });
  detail.hidden = false;
  detail.dataset['call'] = id;
  const shown = clipped(id, CELL_CHARS);
  // Said to screen readers when it changes: a call not found is said there, once; a call found replaces it.
  const said = h('p', { class: 'note', role: 'status' }, 'loading…');
  replaceChildren(
    detail,
    h('h3', { tabindex: '-1' }, 'Call ', h('code', shown.title === undefined ? {} : { title: shown.title }, shown.text), ' ', close),
    said,
  );
  detail.dataset['loaded'] = 'false';
  let failure: unknown;
  try {
    const params = filtersFor('calls', apiFilters(state));
    params.set('correlationId', id);
    const { rows } = await api.view<CallRow>('calls', params);
    if (detail.dataset['call'] !== id) return undefined;
    const call = rows[0];
    if (call) {
      said.remove();
      renderCallDetail(detail, call);
    } else {
      said.className = 'empty';
      said.textContent = 'no call with this CorrelationId in this range';
    }
  } catch (error) {
    if (detail.dataset['call'] !== id) return undefined;
    if (byLoad) {
      said.remove();
      detail.appendChild(errorBox(`call ${id}`, error));
      failure = error;
    } else {
      // Opened by the user: said where the call would be, once.
      said.className = 'error';
      said.textContent = errorBox(`call ${id}`, error).textContent;
    }
  }
  detail.dataset['loaded'] = 'true';
  if (entry) {
    detail.scrollIntoView({ block: 'start' });
    // Opened by the user: the keyboard goes on from the call, its close button one Tab away.
    detail.querySelector<HTMLElement>('h3')?.focus({ preventScroll: true });
  }
  return failure;
}

showState();
void load();
