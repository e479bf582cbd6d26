// A repository policy as ECR stores it: validated on the way in, kept as written so that
// statements ecr-access does not own are written back exactly as they were.
import { parse as parseJsonTree, traverse, type Node, type ObjectNode, type StringNode } from '@humanwhocodes/momoa';
import * as z from 'zod';
import { EcrAccessError, ErrorCode } from '../../errors';

/** ECR rejects repository policies longer than this many characters. */
export const MAX_POLICY_LENGTH = 10_240;

const StringOrList = z.union([z.string(), z.array(z.string())]);
const PrincipalValue = z.union([z.literal('*'), z.record(z.string(), StringOrList)]);

const StatementSchema = z.looseObject({
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Principal: PrincipalValue.optional(),
  NotPrincipal: PrincipalValue.optional(),
  Action: StringOrList.optional(),
  NotAction: StringOrList.optional(),
  Condition: z.record(z.string(), z.unknown()).optional(),
});
export type Statement = z.infer<typeof StatementSchema>;

const DocumentSchema = z.looseObject({
  Version: z.string().optional(),
  Statement: z.union([StatementSchema, z.array(StatementSchema)]),
});

export interface RepositoryPolicy {
  /** Top-level fields other than Statement (Version, Id …), as written. */
  readonly header: Readonly<Record<string, unknown>>;
  readonly statements: readonly Statement[];
}

export const EMPTY_POLICY: RepositoryPolicy = { header: { Version: '2012-10-17' }, statements: [] };

/**
 * IAM's grammar nests a handful of levels. Far deeper JSON is not a policy, and writing it
 * back (JSON.stringify) or comparing it would overflow the stack instead of failing cleanly.
 */
const MAX_DEPTH = 64;

function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * A key that one object in the text holds twice. JSON.parse silently keeps the last value, while
 * the reader who wrote the policy, or IAM, may take another: such a policy means no one thing.
 */
function duplicateKey(text: string): string | undefined {
  let duplicate: string | undefined;
  // momoa's default mode is strict JSON, as JSON.parse is.
  traverse(parseJsonTree(text), {
    enter(node) {
      if (!isObject(node)) return;
      const seen = new Set<string>();
      for (const member of node.members) {
        const key = (member.name as StringNode).value; // in JSON mode every name is a string
        if (seen.has(key)) duplicate ??= key;
        seen.add(key);
      }
    },
  });
  return duplicate;
}

const isObject = (node: Node): node is ObjectNode => node.type === 'Object';

/** Parses policy text read from ECR; no policy at all is the empty policy. */
export function parsePolicy(text: string | undefined): RepositoryPolicy {
  if (text === undefined || text.trim() === '') return EMPTY_POLICY;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new EcrAccessError(ErrorCode.InvalidPolicy, 'The repository policy is not valid JSON.');
  }
  if (nestedDeeperThan(raw, MAX_DEPTH)) {
    throw new EcrAccessError(
      ErrorCode.InvalidPolicy,
      `The repository policy is not a policy document ecr-access understands: it nests values more than ${MAX_DEPTH} levels deep.`,
    );
  }
  const duplicate = duplicateKey(text);
  if (duplicate !== undefined) {
    throw new EcrAccessError(
      ErrorCode.InvalidPolicy,
      `The repository policy is ambiguous: one of its objects has the key "${duplicate.length > 40 ? `${duplicate.slice(0, 37)}…` : duplicate}" twice. ecr-access will not rewrite it; remove one of the two by hand, then try again.`,
    );
  }
  const parsed = DocumentSchema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues[0];
    const path = where && where.path.length > 0 ? ` at ${where.path.join('.')}` : '';
    throw new EcrAccessError(
      ErrorCode.InvalidPolicy,
      `The repository policy is not a policy document ecr-access understands${path}: ${where?.message ?? 'unknown shape'}.`,
    );
  }
  // Keep the raw values: zod's output may reorder keys, and other statements must stay as written.
  const document = raw as Record<string, unknown>;
  const { Statement: statementValue, ...header } = document;
  const statements = (Array.isArray(statementValue) ? statementValue : [statementValue]) as Statement[];
  return { header, statements };
}

/** Compact text, the form that keeps the most accounts under ECR's limit. */
export function serializePolicy(policy: RepositoryPolicy): string {
  return JSON.stringify({ Version: '2012-10-17', ...policy.header, Statement: policy.statements });
}

export function listOf(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}
