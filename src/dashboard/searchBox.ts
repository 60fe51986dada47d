import { h } from './dom.js';

/**
 * A labelled search box holding `initial`, calling `onSearch` with its trimmed text once typing
 * pauses: a table is drawn again per pause, not per keystroke.
 */
export function searchBox(id: string, placeholder: string, name: string, initial: string, onSearch: (text: string) => void): HTMLElement {
  const input = h('input', { type: 'search', id, placeholder, 'aria-label': name });
  input.value = initial;
  let timer: number | undefined;
  input.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => onSearch(input.value.trim()), SEARCH_PAUSE_MS);
  });
  return h('label', { class: 'search' }, 'Search ', input);
}

const SEARCH_PAUSE_MS = 150;
