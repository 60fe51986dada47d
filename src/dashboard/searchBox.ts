import { h } from './dom.js';
import { MAX_SEARCH_CHARS, MAX_SEARCH_URL_CHARS, withinUrlChars } from './state.js';

/**
 * A labelled search box holding `initial`, calling `onSearch` with its trimmed text once typing
 * pauses: a table is drawn again per pause, not per keystroke. What `onSearch` returns (how many
 * rows match) is said to screen readers by a status beside the box, the focus staying in the box.
 */
export function searchBox(id: string, placeholder: string, name: string, initial: string, onSearch: (text: string) => string): HTMLElement {
  const input = h('input', { type: 'search', id, placeholder, 'aria-label': name, maxlength: String(MAX_SEARCH_CHARS) });
  input.value = initial;
  const status = h('span', { class: 'visually-hidden', role: 'status', 'data-status': id });
  let timer: number | undefined;
  input.addEventListener('input', () => {
    // maxlength counts characters, not what they take in the page's URL, where the search is kept.
    const kept = withinUrlChars(input.value, MAX_SEARCH_URL_CHARS);
    if (kept !== input.value) input.value = kept;
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      status.textContent = onSearch(input.value.trim());
    }, SEARCH_PAUSE_MS);
  });
  return h('div', {}, h('label', { class: 'search' }, 'Search ', input), status);
}

const SEARCH_PAUSE_MS = 150;
