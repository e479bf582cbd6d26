// Repository policies as a test writes them by hand: the statement ecr-access manages, written out
// on its own (not with the product's builder), and a policy document around any statements.
import { READ_ONLY_ACTIONS } from '../../src/domain/policy';

export const ROOT = (account: string) => `arn:aws:iam::${account}:root`;

/** The managed statement naming these accounts, as an operator would see it in the console. */
export const managed = (...accounts: string[]) => ({
  Sid: 'crossAccountAllowRead',
  Effect: 'Allow',
  Principal: { AWS: accounts.map(ROOT) },
  Action: [...READ_ONLY_ACTIONS],
});

export const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
