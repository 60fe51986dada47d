/**
 * A tokenizer for the subset of Bicep the templates in infra/ use: identifiers, numbers, punctuation,
 * single-quoted strings with `${...}` interpolation (tokenized recursively), multi-line `'''` strings,
 * comments and newlines (significant in Bicep). It throws on an unterminated string, comment or
 * interpolation, so a test that tokenizes every file also checks those are closed.
 */

export type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'newline';

export type StringPart = { kind: 'text'; value: string } | { kind: 'expr'; tokens: Token[]; source: string };

export interface Token {
  kind: TokenKind;
  /** Source text of the token. */
  text: string;
  /** 1-based line of the token's first character. */
  line: number;
  start: number;
  end: number;
  /** Strings only: literal text and interpolated expressions, in order. */
  parts?: StringPart[];
}

export interface Comment {
  text: string;
  line: number;
}

export class BicepSyntaxError extends Error {}

const PUNCTUATION = ['=>', '==', '!=', '<=', '>=', '&&', '||', '??', '.?', '{', '}', '[', ']', '(', ')', ',', ':', '.', '=', '?', '!', '<', '>', '+', '-', '*', '/', '%', '@', '|'];

export interface Tokenized {
  tokens: Token[];
  comments: Comment[];
}

export function tokenize(source: string): Tokenized {
  const comments: Comment[] = [];
  const lexer = new Lexer(source, comments);
  const tokens = lexer.readAll(false);
  return { tokens, comments };
}

class Lexer {
  private pos = 0;
  private line = 1;

  constructor(
    private readonly src: string,
    private readonly comments: Comment[],
  ) {}

  /** Reads tokens to the end of input, or (inInterpolation) up to the `}` that closes `${`. */
  readAll(inInterpolation: boolean): Token[] {
    const tokens: Token[] = [];
    let depth = 0;
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos]!;
      if (ch === ' ' || ch === '\t' || ch === '\r') {
        this.pos++;
        continue;
      }
      if (ch === '\n') {
        tokens.push(this.token('newline', this.pos, this.pos + 1));
        this.pos++;
        this.line++;
        continue;
      }
      if (this.src.startsWith('//', this.pos)) {
        const end = this.src.indexOf('\n', this.pos);
        const stop = end === -1 ? this.src.length : end;
        this.comments.push({ text: this.src.slice(this.pos, stop), line: this.line });
        this.pos = stop;
        continue;
      }
      if (this.src.startsWith('/*', this.pos)) {
        const end = this.src.indexOf('*/', this.pos + 2);
        if (end === -1) throw new BicepSyntaxError(`unterminated /* comment at line ${this.line}`);
        const text = this.src.slice(this.pos, end + 2);
        this.comments.push({ text, line: this.line });
        this.line += countNewlines(text);
        this.pos = end + 2;
        continue;
      }
      if (this.src.startsWith("'''", this.pos)) {
        tokens.push(this.readMultilineString());
        continue;
      }
      if (ch === "'") {
        tokens.push(this.readString());
        continue;
      }
      if (/[A-Za-z_]/.test(ch)) {
        const start = this.pos;
        while (this.pos < this.src.length && /[A-Za-z0-9_]/.test(this.src[this.pos]!)) this.pos++;
        tokens.push(this.token('ident', start, this.pos));
        continue;
      }
      if (/[0-9]/.test(ch)) {
        const start = this.pos;
        while (this.pos < this.src.length && /[0-9]/.test(this.src[this.pos]!)) this.pos++;
        tokens.push(this.token('number', start, this.pos));
        continue;
      }
      const punct = PUNCTUATION.find((p) => this.src.startsWith(p, this.pos));
      if (!punct) throw new BicepSyntaxError(`unexpected character ${JSON.stringify(ch)} at line ${this.line}`);
      if (inInterpolation) {
        if (punct === '{') depth++;
        if (punct === '}') {
          if (depth === 0) return tokens; // the caller consumes the closing brace
          depth--;
        }
      }
      tokens.push(this.token('punct', this.pos, this.pos + punct.length));
      this.pos += punct.length;
    }
    if (inInterpolation) throw new BicepSyntaxError(`unterminated \${...} interpolation at line ${this.line}`);
    return tokens;
  }

  private token(kind: TokenKind, start: number, end: number): Token {
    return { kind, text: this.src.slice(start, end), line: this.line, start, end };
  }

  private readMultilineString(): Token {
    const start = this.pos;
    const line = this.line;
    const end = this.src.indexOf("'''", this.pos + 3);
    if (end === -1) throw new BicepSyntaxError(`unterminated ''' string at line ${line}`);
    let value = this.src.slice(this.pos + 3, end);
    if (value.startsWith('\r\n')) value = value.slice(2);
    else if (value.startsWith('\n')) value = value.slice(1);
    this.line += countNewlines(this.src.slice(start, end));
    this.pos = end + 3;
    return { kind: 'string', text: this.src.slice(start, this.pos), line, start, end: this.pos, parts: [{ kind: 'text', value }] };
  }

  private readString(): Token {
    const start = this.pos;
    const line = this.line;
    const parts: StringPart[] = [];
    let text = '';
    this.pos++; // opening quote
    for (;;) {
      if (this.pos >= this.src.length) throw new BicepSyntaxError(`unterminated string at line ${line}`);
      const ch = this.src[this.pos]!;
      if (ch === '\n') throw new BicepSyntaxError(`newline in string at line ${line}`);
      if (ch === "'") {
        this.pos++;
        break;
      }
      if (ch === '\\') {
        const next = this.src[this.pos + 1];
        const escapes: Record<string, string> = { "'": "'", '\\': '\\', n: '\n', r: '\r', t: '\t', $: '$' };
        if (next !== undefined && next in escapes) {
          text += escapes[next];
          this.pos += 2;
          continue;
        }
        if (next === 'u' && this.src[this.pos + 2] === '{') {
          const close = this.src.indexOf('}', this.pos);
          text += String.fromCodePoint(parseInt(this.src.slice(this.pos + 3, close), 16));
          this.pos = close + 1;
          continue;
        }
        throw new BicepSyntaxError(`unknown escape \\${next ?? ''} in string at line ${line}`);
      }
      if (ch === '$' && this.src[this.pos + 1] === '{') {
        if (text) parts.push({ kind: 'text', value: text });
        text = '';
        this.pos += 2;
        const exprStart = this.pos;
        const tokens = this.readAll(true);
        parts.push({ kind: 'expr', tokens, source: this.src.slice(exprStart, this.pos).trim() });
        this.pos++; // closing brace
        continue;
      }
      text += ch;
      this.pos++;
    }
    if (text || parts.length === 0) parts.push({ kind: 'text', value: text });
    return { kind: 'string', text: this.src.slice(start, this.pos), line, start, end: this.pos, parts };
  }
}

function countNewlines(text: string): number {
  let n = 0;
  for (const ch of text) if (ch === '\n') n++;
  return n;
}

const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * Checks that (), [] and {} are balanced and properly nested, in the top-level tokens and inside
 * every string interpolation. Returns the problems found (empty when balanced).
 */
export function bracketProblems(tokens: readonly Token[]): string[] {
  const problems: string[] = [];
  const stack: Token[] = [];
  for (const token of tokens) {
    if (token.kind === 'string') {
      for (const part of token.parts ?? []) if (part.kind === 'expr') problems.push(...bracketProblems(part.tokens));
      continue;
    }
    if (token.kind !== 'punct') continue;
    if (token.text in PAIRS) stack.push(token);
    else if (token.text === ')' || token.text === ']' || token.text === '}') {
      const open = stack.pop();
      if (!open) problems.push(`line ${token.line}: '${token.text}' closes nothing`);
      else if (PAIRS[open.text] !== token.text) problems.push(`line ${token.line}: '${token.text}' closes '${open.text}' of line ${open.line}`);
    }
  }
  for (const open of stack) problems.push(`line ${open.line}: '${open.text}' is never closed`);
  return problems;
}
