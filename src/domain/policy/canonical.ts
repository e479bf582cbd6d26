// A statement's meaning, independent of how ECR formats it: key order, string versus
// one-element list, list order, bare account IDs versus root ARNs all disappear.
import { accountOfPrincipal, rootArn } from '../account';
import type { Statement } from './document';

const SET_VALUED = new Set(['Action', 'NotAction', 'Resource', 'NotResource']);

function canonicalPrincipal(value: unknown): unknown {
  if (value === '*') return '*';
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const list = ([] as unknown[]).concat((value as Record<string, unknown>)[key]);
    const normalised = list.map((p) => {
      if (typeof p !== 'string') return p;
      const account = accountOfPrincipal(p);
      return account && account !== '*' ? rootArn(account) : p;
    });
    out[key] = [...new Set(normalised.map((p) => JSON.stringify(p)))].sort();
  }
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
    if (key === 'Principal' || key === 'NotPrincipal') out[key] = canonicalPrincipal(value);
    else if (SET_VALUED.has(key)) out[key] = [...new Set(([] as unknown[]).concat(value).map((v) => JSON.stringify(v)))].sort();
    else out[key] = sortedDeep(value);
  }
  return JSON.stringify(out);
}
