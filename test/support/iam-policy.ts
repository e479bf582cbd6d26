// Whether an identity policy of Allow statements lets an action on a resource, by IAM's matching:
// actions compared without regard to case, resources with it, `*` and `?` as wildcards. Only what
// a hand-written deployer policy uses: a Deny, NotAction, NotResource or a Condition is refused
// rather than half understood.

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
}

export interface IdentityPolicy {
  readonly Version: string;
  readonly Statement: readonly Statement[];
}

const wildcard = (pattern: string, flags: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, flags);

export function allows(policy: IdentityPolicy, action: string, resource: string): boolean {
  return policy.Statement.some((statement) => {
    const unsupported = Object.keys(statement).filter((key) => !['Sid', 'Effect', 'Action', 'Resource'].includes(key));
    if (statement.Effect !== 'Allow' || unsupported.length > 0) {
      throw new Error(`test/support/iam-policy.ts reads Allow statements of Action and Resource only, not ${JSON.stringify(statement)}`);
    }
    return (
      [statement.Action].flat().some((pattern) => wildcard(pattern, 'i').test(action)) &&
      [statement.Resource].flat().some((pattern) => wildcard(pattern, '').test(resource))
    );
  });
}
