// A statement ecr-access owns, found by its Sid: there is one or none, in the shape ecr-access
// writes; two, or one of another shape, are refused with the reason and never rewritten.
import { EcrAccessError, ErrorCode } from '../../errors';
import type { RepositoryPolicy, Statement } from './document';

/**
 * The statement under `sid`, undefined when there is none. `foreignShape` says why a statement is
 * not ours to rewrite (undefined when it is); `ourShape` names the shape it could be reduced to.
 */
export function ownedStatement(policy: RepositoryPolicy, sid: string, foreignShape: (statement: Statement) => string | undefined, ourShape: string): Statement | undefined {
  const owned = policy.statements.filter((s) => s.Sid === sid);
  if (owned.length > 1) {
    throw new EcrAccessError(
      ErrorCode.ForeignStatement,
      `The repository policy has ${owned.length} statements with Sid "${sid}"; ecr-access owns exactly one. Merge or rename them by hand, then try again.`,
    );
  }
  const statement = owned[0];
  const why = statement && foreignShape(statement);
  if (why) {
    throw new EcrAccessError(
      ErrorCode.ForeignStatement,
      `The repository policy has a statement with Sid "${sid}" that ecr-access did not write: ${why}. ecr-access will not rewrite it; rename its Sid or reduce it to ${ourShape}, then try again.`,
    );
  }
  return statement;
}

/**
 * The values of a condition that is exactly one `operator` on one `key` (operators compared
 * exactly, keys in any case, as IAM compares them); undefined for any other condition.
 */
export function singleConditionValues(statement: Statement, operator: string, key: string): readonly string[] | undefined {
  const condition = statement.Condition;
  if (condition === undefined || Object.keys(condition).length !== 1) return undefined;
  const operands = condition[operator];
  if (typeof operands !== 'object' || operands === null || Array.isArray(operands)) return undefined;
  const keys = Object.keys(operands);
  if (keys.length !== 1 || keys[0]?.toLowerCase() !== key.toLowerCase()) return undefined;
  const value = (operands as Record<string, unknown>)[keys[0]];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}
