// The second statement ecr-access owns: AWS Lambda pulling a function's container image for
// consumer accounts. Lambda fetches the image with its own service principal, so a cross-account
// function needs the repository to allow lambda.amazonaws.com, limited by `aws:sourceARN` to the
// functions of the accounts granted, as AWS documents for cross-account container images.
import type { AccountId } from '../account';
import { listOf, type RepositoryPolicy, type Statement } from './document';
import { actionKey } from './can-pull';
import { ownedStatement, singleConditionValues } from './owned';

/** The Sid of ecr-access's Lambda statement; a hand-made one of the same shape is adopted. */
export const LAMBDA_SID = 'lambdaCrossAccountPull';

/** What the Lambda service needs to fetch an image: its manifest and its layers. */
export const LAMBDA_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] as const;

const LAMBDA_SERVICE = 'lambda.amazonaws.com';
const SOURCE_ARN = 'aws:sourceARN';
/** Every function of one account, in one region: the form the statement's condition lists. */
const FUNCTIONS_OF = /^arn:aws:lambda:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):function:\*$/;

const functionsOf = (region: string, account: AccountId) => `arn:aws:lambda:${region}:${account}:function:*`;

/** The condition's ARNs: one StringLike on aws:sourceARN. */
const sourceArns = (statement: Statement): readonly string[] | undefined => singleConditionValues(statement, 'StringLike', SOURCE_ARN);

/** Why a statement under the Lambda Sid is not ours to rewrite, or undefined when it is. */
function foreignShape(statement: Statement): string | undefined {
  const extra = Object.keys(statement).filter((key) => !['Sid', 'Effect', 'Principal', 'Action', 'Condition'].includes(key));
  if (extra.length > 0) return `it has ${extra.join(', ')}`;
  if (statement.Effect !== 'Allow') return `its Effect is ${statement.Effect}`;
  const principal = statement.Principal;
  if (principal === undefined || principal === '*' || Object.keys(principal).join() !== 'Service' || listOf(principal.Service).join() !== LAMBDA_SERVICE) {
    return `its Principal is not the service ${LAMBDA_SERVICE}`;
  }
  const actions = new Set(listOf(statement.Action).map(actionKey));
  if (actions.size !== LAMBDA_ACTIONS.length || !LAMBDA_ACTIONS.every((a) => actions.has(actionKey(a)))) {
    return `its Action list is not exactly ${LAMBDA_ACTIONS.join(' and ')}`;
  }
  const arns = sourceArns(statement);
  if (arns === undefined) return `its Condition is not one StringLike on ${SOURCE_ARN}`;
  const other = arns.find((arn) => !FUNCTIONS_OF.test(arn));
  if (other !== undefined) return `its Condition names ${other}, which is not every function of one account (arn:aws:lambda:<region>:<account>:function:*)`;
  return undefined;
}

/** The accounts whose functions the Lambda statement lets pull, after checking it is ours to rewrite. */
export function lambdaAccounts(policy: RepositoryPolicy): AccountId[] {
  const statement = ownedStatement(policy, LAMBDA_SID, foreignShape, 'the shape ecr-access writes');
  const accounts = (statement ? (sourceArns(statement) ?? []) : []).map((arn) => FUNCTIONS_OF.exec(arn)?.[2] as AccountId);
  return [...new Set(accounts)].sort();
}

/** The Lambda statement listing these functions' ARNs. */
const statementOf = (arns: readonly string[]): Statement => ({
  Sid: LAMBDA_SID,
  Effect: 'Allow',
  Principal: { Service: LAMBDA_SERVICE },
  Action: [...LAMBDA_ACTIONS],
  Condition: { StringLike: { [SOURCE_ARN]: [...arns] } },
});

/** The Lambda statement for these accounts' functions in the repository's region. */
export function lambdaStatement(accounts: readonly AccountId[], region: string): Statement {
  return statementOf([...new Set(accounts)].sort().map((account) => functionsOf(region, account)));
}

/** Whether the Lambda statement names the account's functions, whatever its shape (for verdicts and list). */
export function inLambdaStatement(policy: RepositoryPolicy, account: AccountId): boolean {
  return policy.statements.some(
    (s) => s.Sid === LAMBDA_SID && (sourceArns(s) ?? []).some((arn) => FUNCTIONS_OF.exec(arn)?.[2] === account),
  );
}

/**
 * The policy with the Lambda statement naming `put` and no longer naming `take`, the statement
 * gone when it is left empty. Entries kept stay as written; new ones name the repository's region.
 * Throws like lambdaAccounts for a statement ecr-access does not own.
 */
export function withLambdaAccounts(policy: RepositoryPolicy, put: readonly AccountId[], take: readonly AccountId[], region: string): RepositoryPolicy {
  const existing = lambdaAccounts(policy);
  const added = [...new Set(put)].filter((account) => !existing.includes(account) && !take.includes(account));
  if (added.length === 0 && !existing.some((account) => take.includes(account))) return policy;
  const index = policy.statements.findIndex((s) => s.Sid === LAMBDA_SID);
  const current = index === -1 ? [] : (sourceArns(policy.statements[index] as Statement) ?? []);
  const arns = [...current.filter((arn) => !take.includes(FUNCTIONS_OF.exec(arn)?.[2] ?? '')), ...added.map((account) => functionsOf(region, account))].sort();
  if (arns.length === 0) return { header: policy.header, statements: policy.statements.filter((s) => s.Sid !== LAMBDA_SID) };
  const statement = statementOf(arns);
  return { header: policy.header, statements: index === -1 ? [...policy.statements, statement] : policy.statements.map((s, i) => (i === index ? statement : s)) };
}
