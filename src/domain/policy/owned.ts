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
