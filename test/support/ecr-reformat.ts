/**
 * What ECR does to a stored repository policy before handing it back: the same meaning in
 * different text. Written independently of the emulator so the policy tests do not trust it.
 */

export interface EcrReformatting {
  /** Hand a single statement back as an object instead of a one-element list. */
  readonly statementAsObject?: boolean;
  /** Spaces per indentation level of the pretty printer. */
  readonly indent?: number;
}

type JsonObject = Record<string, unknown>;

const DOCUMENT_KEYS = ['Version', 'Id', 'Statement'];
const STATEMENT_KEYS = ['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'];
const BARE_ACCOUNT = /^\d{12}$/;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Known keys in ECR's order, then the rest as given; defineProperty keeps a `__proto__` key a key. */
function ordered(object: JsonObject, order: readonly string[]): JsonObject {
  const out: JsonObject = {};
  const keys = [...order.filter((k) => Object.hasOwn(object, k)), ...Object.keys(object).filter((k) => !order.includes(k))];
  for (const key of keys) Object.defineProperty(out, key, { value: object[key], enumerable: true, writable: true, configurable: true });
  return out;
}

/** Bare account IDs become root ARNs (AWS only), the list is reverse-sorted, one name is a string. */
function principalNames(type: string, names: unknown): unknown {
  if (typeof names !== 'string' && !Array.isArray(names)) return names;
  const list: unknown[] = typeof names === 'string' ? [names] : [...names];
  if (!list.every((n): n is string => typeof n === 'string')) return names;
  const expanded = type === 'AWS' ? list.map((n) => (BARE_ACCOUNT.test(n) ? `arn:aws:iam::${n}:root` : n)) : list;
  const reversed = expanded.sort().reverse();
  return reversed.length === 1 ? reversed[0] : reversed;
}

function principal(value: unknown): unknown {
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [type, names] of Object.entries(value)) {
    Object.defineProperty(out, type, { value: principalNames(type, names), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function statement(value: unknown): unknown {
  if (!isObject(value)) return value;
  const copy = ordered(value, STATEMENT_KEYS);
  if (Object.hasOwn(copy, 'Principal')) copy.Principal = principal(copy.Principal);
  if (Object.hasOwn(copy, 'NotPrincipal')) copy.NotPrincipal = principal(copy.NotPrincipal);
  return copy;
}

/** Jackson's default pretty printer: `"Key" : value`, nested objects indented, arrays inline. */
function pretty(value: unknown, step: string, indent = ''): string {
  if (Array.isArray(value)) {
    return value.length === 0 ? '[ ]' : `[ ${value.map((item) => pretty(item, step, indent)).join(', ')} ]`;
  }
  if (isObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{ }';
    const inner = indent + step;
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)} : ${pretty(v, step, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The text GetRepositoryPolicy would return for a policy stored as `text`. */
export function reformatLikeEcr(text: string, how: EcrReformatting = {}): string {
  const document: unknown = JSON.parse(text);
  if (!isObject(document)) throw new Error('reformatLikeEcr takes a policy document');
  const copy = ordered(document, DOCUMENT_KEYS);
  const statements = ([] as unknown[]).concat(copy.Statement).map(statement);
  copy.Statement = how.statementAsObject && statements.length === 1 ? statements[0] : statements;
  return pretty(copy, ' '.repeat(how.indent ?? 2));
}
