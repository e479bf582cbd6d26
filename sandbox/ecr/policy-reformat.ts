/**
 * What ECR does to a stored policy before GetRepositoryPolicy returns it: same meaning,
 * different text. The product must compare parsed principals, never text, and this is
 * where the emulator makes sure it does.
 */
import { printLikeJackson } from './jackson-json';

const DOCUMENT_KEY_ORDER = ['Version', 'Id', 'Statement'];
const STATEMENT_KEY_ORDER = [
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
];
const ACCOUNT_ID = /^[0-9]{12}$/;

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Known keys first in ECR's order, every other key after them in the order given. */
function withKeyOrder(object: JsonObject, order: readonly string[]): JsonObject {
  const ordered: JsonObject = {};
  for (const key of order) if (key in object) ordered[key] = object[key];
  for (const [key, value] of Object.entries(object)) if (!(key in ordered)) ordered[key] = value;
  return ordered;
}

/**
 * One principal type's names: bare account IDs become root ARNs (AWS only), the list is
 * reverse-sorted so it never matches the order the bot wrote, and one name is a string.
 */
function reformatPrincipalNames(type: string, names: unknown): unknown {
  if (typeof names !== 'string' && !Array.isArray(names)) return names;
  const list: unknown[] = typeof names === 'string' ? [names] : [...names];
  if (!list.every((name): name is string => typeof name === 'string')) return names;
  const expanded =
    type === 'AWS' ? list.map((name) => (ACCOUNT_ID.test(name) ? `arn:aws:iam::${name}:root` : name)) : list;
  const reordered = expanded.sort().reverse();
  return reordered.length === 1 ? reordered[0] : reordered;
}

function reformatPrincipal(principal: unknown): unknown {
  if (!isObject(principal)) return principal;
  return Object.fromEntries(
    Object.entries(principal).map(([type, names]) => [type, reformatPrincipalNames(type, names)]),
  );
}

function reformatStatement(statement: unknown): unknown {
  if (!isObject(statement)) return statement;
  const copy: JsonObject = { ...statement };
  if ('Principal' in copy) copy.Principal = reformatPrincipal(copy.Principal);
  if ('NotPrincipal' in copy) copy.NotPrincipal = reformatPrincipal(copy.NotPrincipal);
  return withKeyOrder(copy, STATEMENT_KEY_ORDER);
}

/** The text GetRepositoryPolicy returns for a stored policy text. */
export function reformatAsEcrDoes(storedText: string): string {
  let document: unknown;
  try {
    document = JSON.parse(storedText);
  } catch {
    // Only seeded text can get here (SetRepositoryPolicy validates); hand it back untouched.
    return storedText;
  }
  if (!isObject(document)) return printLikeJackson(document);
  const copy: JsonObject = { ...document };
  if ('Statement' in copy) {
    // ECR always answers with a list of statements, even for a single statement object.
    const statements = Array.isArray(copy.Statement) ? copy.Statement : [copy.Statement];
    copy.Statement = statements.map(reformatStatement);
  }
  return printLikeJackson(withKeyOrder(copy, DOCUMENT_KEY_ORDER));
}
