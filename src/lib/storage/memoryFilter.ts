/**
 * OData $filter for the in-memory table store and the embedded Azurite's table index (pure): the
 * shapes this code sends through `odata`
 * (comparisons of a property with a string, boolean or number, joined by `and`, `or`, `not` and
 * parentheses). Anything else throws, so a new filter shape is noticed in tests rather than
 * answered differently from the service.
 */

export type FilterValue = string | number | boolean | Date;
/** A stored entity as the filter sees it: `PartitionKey`, `RowKey` and its properties. */
export type FilterSubject = (name: string) => FilterValue | undefined;
export type RowPredicate = (subject: FilterSubject) => boolean;

type Operator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
const OPERATORS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

type Token = { kind: 'open' | 'close' } | { kind: 'word'; text: string } | { kind: 'literal'; value: FilterValue };

export class UnsupportedFilterError extends Error {
  override readonly name = 'UnsupportedFilterError';
}

/** A filter as read: comparisons joined by `and`, `or` and `not`. */
type FilterNode =
  { kind: 'and' | 'or'; terms: FilterNode[] } | { kind: 'not'; inner: FilterNode } | { kind: 'compare'; name: string; op: Operator; value: FilterValue };

/** Compiles a filter; `undefined` (no filter) matches every row. */
export function compileFilter(filter: string | undefined): RowPredicate {
  if (filter === undefined || filter.trim() === '') return () => true;
  return predicateOf(parseFilter(filter));
}

/**
 * Where a filter's matches can be: the partition of a `PartitionKey eq '…'` reached from the top
 * through `and` only, and the row keys of a `RowKey eq '…'` (or an `or` of only those) beside it.
 * Every match lies in this scope (it may hold rows that do not match: the filter still decides).
 * Undefined when the filter may match other partitions, or is of a shape this reader does not take
 * (the caller then looks at every row).
 */
export interface FilterScope {
  partitionKey: string;
  /** Absent: any row of the partition. */
  rowKeys?: string[];
  /** The bounds of the filter's top `RowKey` comparisons, when it sets any (and names no row keys). */
  rowRange?: KeyRange;
  /**
   * Ranges of row keys, when the filter sets no top bounds but has at its top an `or` each of whose
   * terms bounds `RowKey` (several calls of a packed partition read at once): every match lies in one of them.
   */
  rowRanges?: KeyRange[];
}

/** The terms a filter joins with `and` at its top; `undefined` for none, or a filter of a shape this reader does not take. */
function topTermsOf(filter: string | undefined): FilterNode[] | undefined {
  if (filter === undefined || filter.trim() === '') return undefined;
  let node: FilterNode;
  try {
    node = parseFilter(filter);
  } catch (error) {
    if (error instanceof UnsupportedFilterError) return undefined;
    throw error;
  }
  return node.kind === 'and' ? conjuncts(node) : [node];
}

export function scopeOfFilter(filter: string | undefined): FilterScope | undefined {
  const terms = topTermsOf(filter);
  if (terms === undefined) return undefined;
  const partitionKey = terms.map((term) => equalTo(term, 'PartitionKey')).find((value) => value !== undefined);
  if (partitionKey === undefined) return undefined;
  for (const term of terms) {
    const rowKeys = rowKeysOf(term);
    if (rowKeys !== undefined) return { partitionKey, rowKeys };
  }
  const rowRange = keyRangeOf(terms, 'RowKey');
  if (rowRange) return { partitionKey, rowRange };
  for (const term of terms) {
    const rowRanges = rowRangesOf(term);
    if (rowRanges !== undefined) return { partitionKey, rowRanges };
  }
  return { partitionKey };
}

/** The `RowKey` bounds of each term of an `or` whose every term (an `and`, or one comparison) sets some; else undefined. */
function rowRangesOf(node: FilterNode): KeyRange[] | undefined {
  if (node.kind !== 'or') return undefined;
  const ranges: KeyRange[] = [];
  for (const term of node.terms) {
    const range = keyRangeOf(conjuncts(term), 'RowKey');
    if (range === undefined) return undefined;
    ranges.push(range);
  }
  return ranges;
}

/**
 * The range of partition keys a filter's matches lie in: the bounds its `PartitionKey` comparisons
 * with a string (`ge`, `gt`, `le`, `lt`, `eq`) reached from the top through `and` only set, the
 * tightest of each side; `undefined` when it sets none, or is of a shape this reader does not take.
 * Every match lies in the range (it may hold rows that do not match: the filter still decides).
 */
export interface KeyRange {
  /** The lowest key a match can have (a `gt` bound is taken as `ge`). */
  low?: string;
  /** The highest key a match can have (an `lt` bound is taken as `le`). */
  high?: string;
}

export function partitionRangeOfFilter(filter: string | undefined): KeyRange | undefined {
  const terms = topTermsOf(filter);
  return terms === undefined ? undefined : keyRangeOf(terms, 'PartitionKey');
}

/** The tightest bounds the string comparisons of `name` among `terms` (joined by `and`) set. */
function keyRangeOf(terms: readonly FilterNode[], name: 'PartitionKey' | 'RowKey'): KeyRange | undefined {
  const range: KeyRange = {};
  for (const term of terms) {
    if (term.kind !== 'compare' || term.name !== name || typeof term.value !== 'string') continue;
    const { op, value } = term;
    if ((op === 'ge' || op === 'gt' || op === 'eq') && (range.low === undefined || value > range.low)) range.low = value;
    if ((op === 'le' || op === 'lt' || op === 'eq') && (range.high === undefined || value < range.high)) range.high = value;
  }
  return range.low === undefined && range.high === undefined ? undefined : range;
}

/** The partition a filter confines its matches to (see scopeOfFilter). */
export function partitionOfFilter(filter: string | undefined): string | undefined {
  return scopeOfFilter(filter)?.partitionKey;
}

/** The terms of nested `and`s, flattened. */
function conjuncts(node: FilterNode): FilterNode[] {
  return node.kind === 'and' ? node.terms.flatMap(conjuncts) : [node];
}

function equalTo(node: FilterNode, name: string): string | undefined {
  return node.kind === 'compare' && node.name === name && node.op === 'eq' && typeof node.value === 'string' ? node.value : undefined;
}

/** The row keys a `RowKey eq` term, or an `or` of only such terms, allows; else undefined. */
function rowKeysOf(node: FilterNode): string[] | undefined {
  const single = equalTo(node, 'RowKey');
  if (single !== undefined) return [single];
  if (node.kind !== 'or') return undefined;
  const keys: string[] = [];
  for (const term of node.terms) {
    const inner = rowKeysOf(term);
    if (inner === undefined) return undefined;
    keys.push(...inner);
  }
  return keys;
}

function predicateOf(node: FilterNode): RowPredicate {
  switch (node.kind) {
    case 'or': {
      const terms = node.terms.map(predicateOf);
      return (subject) => terms.some((term) => term(subject));
    }
    case 'and': {
      const factors = node.terms.map(predicateOf);
      return (subject) => factors.every((factor) => factor(subject));
    }
    case 'not': {
      const inner = predicateOf(node.inner);
      return (subject) => !inner(subject);
    }
    case 'compare': {
      const { name, op, value } = node;
      return (subject) => compare(subject(name), op, value);
    }
  }
}

function parseFilter(filter: string): FilterNode {
  const tokens = tokenize(filter);
  let at = 0;
  const fail = (why: string): never => {
    throw new UnsupportedFilterError(`in-memory table store: ${why} in filter ${JSON.stringify(filter)}`);
  };
  const peekWord = (): string | undefined => {
    const token = tokens[at];
    return token?.kind === 'word' ? token.text : undefined;
  };
  const joined = (kind: 'and' | 'or', next: () => FilterNode): FilterNode => {
    const terms = [next()];
    while (peekWord() === kind) {
      at++;
      terms.push(next());
    }
    return terms.length === 1 ? (terms[0] as FilterNode) : { kind, terms };
  };
  const orExpression = (): FilterNode => joined('or', andExpression);
  const andExpression = (): FilterNode => joined('and', factor);
  const factor = (): FilterNode => {
    const token = tokens[at++];
    if (token === undefined) return fail('unexpected end');
    if (token.kind === 'open') {
      const inner = orExpression();
      if (tokens[at++]?.kind !== 'close') fail('missing )');
      return inner;
    }
    if (token.kind === 'word' && token.text === 'not') return { kind: 'not', inner: factor() };
    if (token.kind !== 'word') return fail('expected a property name');
    const operator = tokens[at++];
    if (operator?.kind !== 'word' || !OPERATORS.has(operator.text)) return fail(`expected a comparison after ${token.text}`);
    const literal = tokens[at++];
    if (literal?.kind !== 'literal') return fail(`expected a value after ${token.text} ${operator.text}`);
    return { kind: 'compare', name: token.text, op: operator.text as Operator, value: literal.value };
  };
  const node = orExpression();
  if (at !== tokens.length) fail('unexpected text after the expression');
  return node;
}

/** A property of another type than the value, or missing, matches no comparison (as in the service). */
function compare(actual: FilterValue | undefined, op: Operator, expected: FilterValue): boolean {
  if (actual === undefined) return false;
  let a: string | number | boolean;
  let b: string | number | boolean;
  if (expected instanceof Date) {
    if (!(actual instanceof Date)) return false;
    a = actual.getTime();
    b = expected.getTime();
  } else {
    if (actual instanceof Date || typeof actual !== typeof expected) return false;
    a = actual;
    b = expected;
  }
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const ch = filter[i] as string;
    if (ch === ' ') {
      i++;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ kind: ch === '(' ? 'open' : 'close' });
      i++;
    } else if (ch === "'") {
      const [text, end] = quoted(filter, i);
      tokens.push({ kind: 'literal', value: text });
      i = end;
    } else {
      const match = /^(datetime'|[A-Za-z_][A-Za-z0-9_]*|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?L?)/.exec(filter.slice(i));
      if (!match)
        throw new UnsupportedFilterError(`in-memory table store: cannot read ${JSON.stringify(filter.slice(i, i + 20))} in filter ${JSON.stringify(filter)}`);
      const word = match[0];
      if (word === "datetime'") {
        const [text, end] = quoted(filter, i + 'datetime'.length);
        tokens.push({ kind: 'literal', value: new Date(text) });
        i = end;
        continue;
      }
      i += word.length;
      if (word === 'true' || word === 'false') tokens.push({ kind: 'literal', value: word === 'true' });
      else if (/^-?\d/.test(word)) tokens.push({ kind: 'literal', value: Number(word.replace(/L$/, '')) });
      else tokens.push({ kind: 'word', text: word });
    }
  }
  return tokens;
}

/** A quoted string starting at `start` (the quote), `''` standing for one quote; returns it and the index after it. */
function quoted(filter: string, start: number): [string, number] {
  let text = '';
  let i = start + 1;
  for (;;) {
    const end = filter.indexOf("'", i);
    if (end < 0) throw new UnsupportedFilterError(`in-memory table store: unterminated string in filter ${JSON.stringify(filter)}`);
    text += filter.slice(i, end);
    if (filter[end + 1] === "'") {
      text += "'";
      i = end + 2;
    } else {
      return [text, end + 1];
    }
  }
}
