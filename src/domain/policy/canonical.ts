// A statement's meaning, independent of how ECR formats it: key order, string versus
// one-element list, list order, bare account IDs versus root ARNs all disappear.
import { accountOfPrincipal, rootArn } from '../account';
import { listOf, type Statement } from './document';

type PrincipalValue = NonNullable<Statement['Principal']>;

const SET_VALUED = new Set(['Action', 'NotAction', 'Resource', 'NotResource']);

/** A string or a list as a set: order and repeats do not count. Resource may hold any JSON. */
function setOf(value: unknown): string[] {
  return [...new Set(([] as unknown[]).concat(value).map((item) => JSON.stringify(item)))].sort();
}

/** A principal that stands for a whole account as its root ARN; any other as written. */
function principalName(name: string): string {
  const account = accountOfPrincipal(name);
  return account === undefined || account === '*' ? name : rootArn(account);
}

function canonicalPrincipal(value: PrincipalValue): unknown {
  if (value === '*') return value;
  const out: Record<string, string[]> = {};
  for (const kind of Object.keys(value).sort()) out[kind] = setOf(listOf(value[kind]).map(principalName));
  return out;
}

function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortedDeep((value as Record<string, unknown>)[key]);
  return out;
}

export function canonicalStatement(statement: Statement): string {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(statement).sort()) {
    const value = (statement as Record<string, unknown>)[key];
    if (key === 'Principal' || key === 'NotPrincipal') out[key] = canonicalPrincipal(value as PrincipalValue);
    else if (SET_VALUED.has(key)) out[key] = setOf(value);
    else out[key] = sortedDeep(value);
  }
  return JSON.stringify(out);
}
