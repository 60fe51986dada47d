/**
 * OData $filter for the in-memory table store (pure): the shapes this code sends through `odata`
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

/** Compiles a filter; `undefined` (no filter) matches every row. */
export function compileFilter(filter: string | undefined): RowPredicate {
  if (filter === undefined || filter.trim() === '') return () => true;
  const tokens = tokenize(filter);
  let at = 0;
  const fail = (why: string): never => {
    throw new UnsupportedFilterError(`in-memory table store: ${why} in filter ${JSON.stringify(filter)}`);
  };
  const peekWord = (): string | undefined => {
    const token = tokens[at];
    return token?.kind === 'word' ? token.text : undefined;
  };
  const orExpression = (): RowPredicate => {
    const terms = [andExpression()];
    while (peekWord() === 'or') {
      at++;
      terms.push(andExpression());
    }
    return terms.length === 1 ? (terms[0] as RowPredicate) : (subject) => terms.some((term) => term(subject));
  };
  const andExpression = (): RowPredicate => {
    const factors = [factor()];
    while (peekWord() === 'and') {
      at++;
      factors.push(factor());
    }
    return factors.length === 1 ? (factors[0] as RowPredicate) : (subject) => factors.every((f) => f(subject));
  };
  const factor = (): RowPredicate => {
    const token = tokens[at++];
    if (token === undefined) return fail('unexpected end');
    if (token.kind === 'open') {
      const inner = orExpression();
      if (tokens[at++]?.kind !== 'close') fail('missing )');
      return inner;
    }
    if (token.kind === 'word' && token.text === 'not') {
      const inner = factor();
      return (subject) => !inner(subject);
    }
    if (token.kind !== 'word') return fail('expected a property name');
    const operator = tokens[at++];
    if (operator?.kind !== 'word' || !OPERATORS.has(operator.text)) return fail(`expected a comparison after ${token.text}`);
    const literal = tokens[at++];
    if (literal?.kind !== 'literal') return fail(`expected a value after ${token.text} ${operator.text}`);
    const name = token.text;
    const op = operator.text as Operator;
    const value = literal.value;
    return (subject) => compare(subject(name), op, value);
  };
  const predicate = orExpression();
  if (at !== tokens.length) fail('unexpected text after the expression');
  return predicate;
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
