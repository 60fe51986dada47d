/**
 * A small parser for the Bicep the templates in infra/ are written in: top-level declarations
 * (targetScope, metadata, param, var, resource, module, output) with their decorators, and
 * expressions (literals, interpolated strings, objects, arrays, `for` and `if` bodies, member and
 * index access, function calls, unary, binary and ternary operators). It is strict: anything it
 * does not understand is an error, so a template that parses here is at least well-formed in the
 * ways these tests can see. It is not the Bicep compiler: types and API schemas are not checked.
 */
import { tokenize, BicepSyntaxError, type Comment, type Token } from './bicepTokens.js';

export type Expr =
  | { k: 'literal'; value: string | number | boolean | null; line: number }
  | { k: 'string'; parts: (string | Expr)[]; line: number }
  | { k: 'id'; name: string; line: number }
  | { k: 'member'; object: Expr; name: string; line: number }
  | { k: 'index'; object: Expr; index: Expr; line: number }
  | { k: 'call'; namespace?: string; name: string; args: Expr[]; line: number }
  | { k: 'method'; object: Expr; name: string; args: Expr[]; line: number }
  | { k: 'unary'; op: string; arg: Expr; line: number }
  | { k: 'binary'; op: string; left: Expr; right: Expr; line: number }
  | { k: 'ternary'; condition: Expr; then: Expr; else: Expr; line: number }
  | { k: 'object'; entries: ObjectEntry[]; line: number }
  | { k: 'array'; items: Expr[]; line: number }
  | { k: 'for'; variables: string[]; collection: Expr; body: Expr; line: number }
  | { k: 'if'; condition: Expr; body: Expr; line: number };

export interface ObjectEntry {
  /** The key as written; an interpolated key keeps its expression in keyExpr. */
  key: string;
  keyExpr?: Expr;
  value: Expr;
  line: number;
}

export interface Decorator {
  name: string;
  args: Expr[];
  line: number;
}

interface Declaration {
  name: string;
  decorators: Decorator[];
  line: number;
}

export interface ParamDecl extends Declaration {
  type: string;
  defaultValue?: Expr;
}

export interface VarDecl extends Declaration {
  value: Expr;
}

export interface ResourceDecl extends Declaration {
  /** e.g. Microsoft.Web/sites */
  type: string;
  apiVersion: string;
  existing: boolean;
  value: Expr;
}

export interface ModuleDecl extends Declaration {
  path: string;
  value: Expr;
}

export interface OutputDecl extends Declaration {
  type: string;
  value: Expr;
}

export interface BicepFile {
  source: string;
  tokens: Token[];
  comments: Comment[];
  targetScope?: string;
  params: ParamDecl[];
  vars: VarDecl[];
  resources: ResourceDecl[];
  modules: ModuleDecl[];
  outputs: OutputDecl[];
}

const BINARY_PRECEDENCE: Record<string, number> = {
  '??': 1,
  '||': 2,
  '&&': 3,
  '==': 4,
  '!=': 4,
  '<': 5,
  '>': 5,
  '<=': 5,
  '>=': 5,
  '+': 6,
  '-': 6,
  '*': 7,
  '/': 7,
  '%': 7,
};

export function parseBicep(source: string): BicepFile {
  const { tokens, comments } = tokenize(source);
  const parser = new Parser(tokens);
  const file: BicepFile = { source, tokens, comments, params: [], vars: [], resources: [], modules: [], outputs: [] };
  parser.parseFile(file);
  return file;
}

/** Parses one expression written on its own (for example a default value in a test). */
export function parseExpression(source: string): Expr {
  const { tokens } = tokenize(source);
  const parser = new Parser(tokens);
  const expr = parser.parseExpr();
  parser.expectEnd();
  return expr;
}

class Parser {
  private pos = 0;
  /** Top of stack true: newlines are insignificant (inside parentheses, call arguments, index). */
  private readonly ignoreNewlines: boolean[] = [false];

  constructor(private readonly tokens: Token[]) {}

  // ------------------------------------------------------------------ token access

  private get skipping(): boolean {
    return this.ignoreNewlines[this.ignoreNewlines.length - 1]!;
  }

  private peek(offset = 0): Token | undefined {
    let i = this.pos;
    let seen = 0;
    for (;;) {
      while (this.skipping && this.tokens[i]?.kind === 'newline') i++;
      if (seen === offset) return this.tokens[i];
      i++;
      seen++;
    }
  }

  private next(): Token {
    while (this.skipping && this.tokens[this.pos]?.kind === 'newline') this.pos++;
    const token = this.tokens[this.pos];
    if (!token) throw new BicepSyntaxError('unexpected end of file');
    this.pos++;
    return token;
  }

  private is(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token !== undefined && token.kind !== 'string' && token.text === text;
  }

  private expect(text: string): Token {
    const token = this.next();
    if (token.kind === 'string' || token.text !== text) {
      throw new BicepSyntaxError(`line ${token.line}: expected '${text}', found '${token.text}'`);
    }
    return token;
  }

  private skipNewlinesAndCommas(): void {
    while (this.tokens[this.pos]?.kind === 'newline' || (this.tokens[this.pos]?.kind === 'punct' && this.tokens[this.pos]?.text === ',')) this.pos++;
  }

  private skipNewlines(): void {
    while (this.tokens[this.pos]?.kind === 'newline') this.pos++;
  }

  private withNewlines<T>(ignore: boolean, fn: () => T): T {
    this.ignoreNewlines.push(ignore);
    try {
      return fn();
    } finally {
      this.ignoreNewlines.pop();
    }
  }

  expectEnd(): void {
    this.skipNewlines();
    const token = this.tokens[this.pos];
    if (token) throw new BicepSyntaxError(`line ${token.line}: unexpected '${token.text}'`);
  }

  private endOfStatement(): void {
    const token = this.tokens[this.pos];
    if (token && token.kind !== 'newline') throw new BicepSyntaxError(`line ${token.line}: expected end of line, found '${token.text}'`);
  }

  // ------------------------------------------------------------------ declarations

  parseFile(file: BicepFile): void {
    let decorators: Decorator[] = [];
    for (;;) {
      this.skipNewlines();
      const token = this.tokens[this.pos];
      if (!token) break;
      if (token.kind === 'punct' && token.text === '@') {
        decorators.push(this.parseDecorator());
        this.endOfStatement();
        continue;
      }
      if (token.kind !== 'ident') throw new BicepSyntaxError(`line ${token.line}: unexpected '${token.text}' at top level`);
      this.pos++;
      const line = token.line;
      switch (token.text) {
        case 'targetScope': {
          this.expect('=');
          const value = this.parseExpr();
          if (value.k !== 'string' || typeof value.parts[0] !== 'string') throw new BicepSyntaxError(`line ${line}: targetScope must be a string`);
          file.targetScope = value.parts[0];
          break;
        }
        case 'metadata': {
          this.identifier();
          this.expect('=');
          this.parseExpr();
          break;
        }
        case 'param': {
          const name = this.identifier();
          const type = this.typeUntil(['=']);
          let defaultValue: Expr | undefined;
          if (this.tokens[this.pos]?.text === '=') {
            this.pos++;
            defaultValue = this.parseExpr();
          }
          file.params.push({ name, type, defaultValue, decorators, line });
          break;
        }
        case 'var': {
          const name = this.identifier();
          this.expect('=');
          file.vars.push({ name, value: this.parseExpr(), decorators, line });
          break;
        }
        case 'resource': {
          const name = this.identifier();
          const typeToken = this.next();
          const typeText = plainString(typeToken);
          const at = typeText.lastIndexOf('@');
          if (at < 0) throw new BicepSyntaxError(`line ${line}: resource type '${typeText}' has no API version`);
          let existing = false;
          if (this.is('existing')) {
            this.pos++;
            existing = true;
          }
          this.expect('=');
          const value = this.parseDeclarationBody();
          file.resources.push({ name, type: typeText.slice(0, at), apiVersion: typeText.slice(at + 1), existing, value, decorators, line });
          break;
        }
        case 'module': {
          const name = this.identifier();
          const path = plainString(this.next());
          this.expect('=');
          file.modules.push({ name, path, value: this.parseDeclarationBody(), decorators, line });
          break;
        }
        case 'output': {
          const name = this.identifier();
          const type = this.typeUntil(['=']);
          this.expect('=');
          file.outputs.push({ name, type, value: this.parseExpr(), decorators, line });
          break;
        }
        default:
          throw new BicepSyntaxError(`line ${line}: unsupported statement '${token.text}'`);
      }
      this.endOfStatement();
      decorators = [];
    }
    if (decorators.length > 0) throw new BicepSyntaxError('decorators at the end of the file decorate nothing');
  }

  private identifier(): string {
    const token = this.next();
    if (token.kind !== 'ident') throw new BicepSyntaxError(`line ${token.line}: expected an identifier, found '${token.text}'`);
    return token.text;
  }

  /** A type annotation: the tokens up to a stop token or the end of the line. */
  private typeUntil(stops: string[]): string {
    const parts: string[] = [];
    for (;;) {
      const token = this.tokens[this.pos];
      if (!token || token.kind === 'newline' || (token.kind === 'punct' && stops.includes(token.text))) break;
      parts.push(token.text);
      this.pos++;
    }
    if (parts.length === 0) throw new BicepSyntaxError(`line ${this.tokens[this.pos - 1]?.line}: missing type`);
    return parts.join(' ');
  }

  private parseDecorator(): Decorator {
    const at = this.expect('@');
    let name = this.identifier();
    if (this.is('.')) {
      this.pos++;
      name = `${name}.${this.identifier()}`;
    }
    return { name, args: this.parseArguments(), line: at.line };
  }

  /** The value of a resource or module: an object, `if (cond) {...}` or `[for ...]`. */
  private parseDeclarationBody(): Expr {
    if (this.is('if')) return this.parseIf();
    const value = this.parseExpr();
    if (value.k !== 'object' && !(value.k === 'array' || value.k === 'for')) {
      throw new BicepSyntaxError(`line ${value.line}: a resource or module body must be an object, if or for`);
    }
    return value;
  }

  private parseIf(): Expr {
    const token = this.expect('if');
    const condition = this.withNewlines(true, () => {
      this.expect('(');
      const expr = this.parseExpr();
      this.expect(')');
      return expr;
    });
    const body = this.parsePrimary();
    if (body.k !== 'object') throw new BicepSyntaxError(`line ${token.line}: the body of if must be an object`);
    return { k: 'if', condition, body, line: token.line };
  }

  // ------------------------------------------------------------------ expressions

  parseExpr(): Expr {
    const condition = this.parseBinary(1);
    if (this.is('?')) {
      const q = this.next();
      const then = this.parseExpr();
      this.expect(':');
      const otherwise = this.parseExpr();
      return { k: 'ternary', condition, then, else: otherwise, line: q.line };
    }
    return condition;
  }

  private parseBinary(minPrecedence: number): Expr {
    let left = this.parseUnary();
    for (;;) {
      const token = this.peek();
      if (!token || token.kind !== 'punct') return left;
      const precedence = BINARY_PRECEDENCE[token.text];
      if (precedence === undefined || precedence < minPrecedence) return left;
      this.next();
      const right = this.parseBinary(precedence + 1);
      left = { k: 'binary', op: token.text, left, right, line: token.line };
    }
  }

  private parseUnary(): Expr {
    const token = this.peek();
    if (token && token.kind === 'punct' && (token.text === '!' || token.text === '-')) {
      this.next();
      const arg = this.parseUnary();
      if (token.text === '-' && arg.k === 'literal' && typeof arg.value === 'number') return { k: 'literal', value: -arg.value, line: token.line };
      return { k: 'unary', op: token.text, arg, line: token.line };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(expr: Expr): Expr {
    for (;;) {
      const token = this.tokens[this.pos];
      if (!token || token.kind !== 'punct') return expr;
      if (token.text === '.' || token.text === '.?') {
        this.pos++;
        const name = this.identifier();
        if (this.tokens[this.pos]?.text === '(' && this.tokens[this.pos]?.kind === 'punct') {
          expr = { k: 'method', object: expr, name, args: this.parseArguments(), line: token.line };
        } else {
          expr = { k: 'member', object: expr, name, line: token.line };
        }
        continue;
      }
      if (token.text === '[') {
        this.pos++;
        const index = this.withNewlines(true, () => {
          const inner = this.parseExpr();
          this.expect(']');
          return inner;
        });
        expr = { k: 'index', object: expr, index, line: token.line };
        continue;
      }
      if (token.text === '!') {
        // non-null assertion: x!
        this.pos++;
        continue;
      }
      return expr;
    }
  }

  private parseArguments(): Expr[] {
    return this.withNewlines(true, () => {
      this.expect('(');
      const args: Expr[] = [];
      while (!this.is(')')) {
        args.push(this.parseExpr());
        if (!this.is(')')) this.expect(',');
      }
      this.expect(')');
      return args;
    });
  }

  parsePrimary(): Expr {
    const token = this.next();
    const line = token.line;
    if (token.kind === 'string') {
      const parts = (token.parts ?? []).map((part) => {
        if (part.kind === 'text') return part.value;
        const inner = new Parser(part.tokens);
        inner.ignoreNewlines[0] = true;
        const expr = inner.parseExpr();
        inner.expectEnd();
        return expr;
      });
      return { k: 'string', parts, line };
    }
    if (token.kind === 'number') return { k: 'literal', value: Number(token.text), line };
    if (token.kind === 'ident') {
      if (token.text === 'true' || token.text === 'false') return { k: 'literal', value: token.text === 'true', line };
      if (token.text === 'null') return { k: 'literal', value: null, line };
      const following = this.tokens[this.pos];
      if (following?.kind === 'punct' && following.text === '(') {
        return { k: 'call', name: token.text, args: this.parseArguments(), line };
      }
      // namespaced function: az.resourceGroup(), sys.string()
      if ((token.text === 'az' || token.text === 'sys') && following?.text === '.' && this.tokens[this.pos + 2]?.text === '(') {
        this.pos++;
        const name = this.identifier();
        return { k: 'call', namespace: token.text, name, args: this.parseArguments(), line };
      }
      return { k: 'id', name: token.text, line };
    }
    if (token.text === '(') {
      return this.withNewlines(true, () => {
        const expr = this.parseExpr();
        this.expect(')');
        return expr;
      });
    }
    if (token.text === '{') return this.withNewlines(false, () => this.parseObjectRest(line));
    if (token.text === '[') return this.withNewlines(false, () => this.parseArrayRest(line));
    throw new BicepSyntaxError(`line ${line}: unexpected '${token.text}'`);
  }

  private parseObjectRest(line: number): Expr {
    const entries: ObjectEntry[] = [];
    for (;;) {
      this.skipNewlinesAndCommas();
      if (this.is('}')) {
        this.pos++;
        return { k: 'object', entries, line };
      }
      const keyToken = this.next();
      let key: string;
      let keyExpr: Expr | undefined;
      if (keyToken.kind === 'ident') key = keyToken.text;
      else if (keyToken.kind === 'string') {
        const parts = keyToken.parts ?? [];
        if (parts.length === 1 && parts[0]!.kind === 'text') key = parts[0]!.value;
        else {
          key = keyToken.text;
          this.pos--;
          keyExpr = this.parsePrimary();
        }
      } else throw new BicepSyntaxError(`line ${keyToken.line}: expected an object key, found '${keyToken.text}'`);
      this.expect(':');
      const value = this.parseExpr();
      entries.push({ key, keyExpr, value, line: keyToken.line });
      const after = this.tokens[this.pos];
      if (after && after.kind !== 'newline' && !(after.kind === 'punct' && (after.text === ',' || after.text === '}'))) {
        throw new BicepSyntaxError(`line ${after.line}: expected a new line, ',' or '}' after the value of '${key}', found '${after.text}'`);
      }
    }
  }

  private parseArrayRest(line: number): Expr {
    this.skipNewlines();
    if (this.is('for')) {
      this.pos++;
      const variables: string[] = [];
      if (this.is('(')) {
        this.withNewlines(true, () => {
          this.expect('(');
          variables.push(this.identifier());
          this.expect(',');
          variables.push(this.identifier());
          this.expect(')');
        });
      } else variables.push(this.identifier());
      this.expect('in');
      const collection = this.parseExpr();
      this.expect(':');
      this.skipNewlines();
      const body = this.is('if') ? this.parseIf() : this.parseExpr();
      this.skipNewlines();
      this.expect(']');
      return { k: 'for', variables, collection, body, line };
    }
    const items: Expr[] = [];
    for (;;) {
      this.skipNewlinesAndCommas();
      if (this.is(']')) {
        this.pos++;
        return { k: 'array', items, line };
      }
      items.push(this.parseExpr());
      const after = this.tokens[this.pos];
      if (after && after.kind !== 'newline' && !(after.kind === 'punct' && (after.text === ',' || after.text === ']'))) {
        throw new BicepSyntaxError(`line ${after.line}: expected a new line, ',' or ']' after an array item, found '${after.text}'`);
      }
    }
  }
}

function plainString(token: Token): string {
  const parts = token.parts ?? [];
  if (token.kind !== 'string' || parts.length !== 1 || parts[0]!.kind !== 'text') {
    throw new BicepSyntaxError(`line ${token.line}: expected a plain string, found '${token.text}'`);
  }
  return parts[0]!.value;
}

// ------------------------------------------------------------------ helpers for tests

/** The object of a resource or module body, looking through `if` and `for`. */
export function bodyObject(value: Expr): Extract<Expr, { k: 'object' }> {
  if (value.k === 'object') return value;
  if (value.k === 'if' || value.k === 'for') return bodyObject(value.body);
  throw new Error(`line ${value.line}: not an object body`);
}

/** The condition of a conditional resource or module body, if any. */
export function bodyCondition(value: Expr): Expr | undefined {
  if (value.k === 'if') return value.condition;
  if (value.k === 'for') return bodyCondition(value.body);
  return undefined;
}

/** The value at a dotted path of object keys (`properties.siteConfig.minTlsVersion`). */
export function entryAt(object: Expr, path: string): Expr | undefined {
  let current: Expr | undefined = object;
  for (const key of path.split('.')) {
    if (!current || current.k !== 'object') return undefined;
    current = current.entries.find((entry) => entry.key === key)?.value;
  }
  return current;
}

export function decorator(decl: { decorators: Decorator[] }, name: string): Decorator | undefined {
  return decl.decorators.find((d) => d.name === name || d.name === `sys.${name}`);
}

/** Calls `visit` on every expression node under `expr` (depth first, including string parts). */
export function walk(expr: Expr, visit: (node: Expr) => void): void {
  visit(expr);
  switch (expr.k) {
    case 'string':
      for (const part of expr.parts) if (typeof part !== 'string') walk(part, visit);
      break;
    case 'member':
      walk(expr.object, visit);
      break;
    case 'index':
      walk(expr.object, visit);
      walk(expr.index, visit);
      break;
    case 'call':
      expr.args.forEach((arg) => walk(arg, visit));
      break;
    case 'method':
      walk(expr.object, visit);
      expr.args.forEach((arg) => walk(arg, visit));
      break;
    case 'unary':
      walk(expr.arg, visit);
      break;
    case 'binary':
      walk(expr.left, visit);
      walk(expr.right, visit);
      break;
    case 'ternary':
      walk(expr.condition, visit);
      walk(expr.then, visit);
      walk(expr.else, visit);
      break;
    case 'object':
      for (const entry of expr.entries) {
        if (entry.keyExpr) walk(entry.keyExpr, visit);
        walk(entry.value, visit);
      }
      break;
    case 'array':
      expr.items.forEach((item) => walk(item, visit));
      break;
    case 'for':
      walk(expr.collection, visit);
      walk(expr.body, visit);
      break;
    case 'if':
      walk(expr.condition, visit);
      walk(expr.body, visit);
      break;
    default:
      break;
  }
}
