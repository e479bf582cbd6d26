// What the stack's intrinsic functions resolve to in one region, as CloudFormation resolves them:
// AWS measures a role's policies and a function's environment after that, so the checks before a
// deploy (deploy/limits.ts) measure the same text.

/** A region's partition and the domain its endpoints end in (the pseudo parameters AWS::Partition, AWS::URLSuffix). */
function partitionOf(region: string): { partition: string; urlSuffix: string } {
  if (region.startsWith('cn-')) return { partition: 'aws-cn', urlSuffix: 'amazonaws.com.cn' };
  if (region.startsWith('us-gov-')) return { partition: 'aws-us-gov', urlSuffix: 'amazonaws.com' };
  if (region.startsWith('us-isob-')) return { partition: 'aws-iso-b', urlSuffix: 'sc2s.sgov.gov' };
  if (region.startsWith('us-iso-')) return { partition: 'aws-iso', urlSuffix: 'c2s.ic.gov' };
  return { partition: 'aws', urlSuffix: 'amazonaws.com' };
}

/** Every account ID is 12 digits, so any one measures the same. */
const ANY_ACCOUNT = '123456789012';

/** The stack's resources that its IAM statements and environment refer to, by logical ID. */
export interface Referenced {
  /** The table's name, which is its Ref; its Arn attribute is built from it. */
  readonly AccessTable: string;
  /** The dead-letter queue's name; its Ref is its URL, and its Arn is built from it. */
  readonly DeadLetterQueue: string;
}

type Json = Record<string, unknown>;

/**
 * Resolves Ref, Fn::Join, Fn::Sub and Fn::GetAtt wherever they are in `value`. An intrinsic or a
 * reference it does not know stops it: a new one must be measured on purpose, not guessed.
 */
export function renderIn(region: string, referenced: Partial<Referenced> = {}): (value: unknown) => unknown {
  const { partition, urlSuffix } = partitionOf(region);
  const pseudo: Record<string, string> = { 'AWS::Partition': partition, 'AWS::Region': region, 'AWS::AccountId': ANY_ACCOUNT, 'AWS::URLSuffix': urlSuffix };
  const table = referenced.AccessTable;
  const queue = referenced.DeadLetterQueue;
  const named: Record<string, string> = {
    ...pseudo,
    ...(table !== undefined && { AccessTable: table }),
    ...(queue !== undefined && { DeadLetterQueue: `https://sqs.${region}.${urlSuffix}/${ANY_ACCOUNT}/${queue}` }),
  };
  const attributes: Record<string, string> = {
    ...(table !== undefined && { 'AccessTable.Arn': `arn:${partition}:dynamodb:${region}:${ANY_ACCOUNT}:table/${table}` }),
    ...(queue !== undefined && { 'DeadLetterQueue.Arn': `arn:${partition}:sqs:${region}:${ANY_ACCOUNT}:${queue}` }),
  };
  const known = (table: Record<string, string>, name: string): string => {
    const found = table[name];
    if (found === undefined) throw new Error(`deploy/rendering.ts cannot resolve ${name}`);
    return found;
  };
  const render = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(render);
    if (value === null || typeof value !== 'object') return value;
    const node = value as Json;
    if ('Ref' in node) return known(named, String(node.Ref));
    if ('Fn::Join' in node) {
      const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(separator);
    }
    if ('Fn::Sub' in node) return String(node['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (_, name: string) => known(pseudo, name));
    if ('Fn::GetAtt' in node) return known(attributes, (node['Fn::GetAtt'] as string[]).join('.'));
    return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, render(item)]));
  };
  return render;
}
