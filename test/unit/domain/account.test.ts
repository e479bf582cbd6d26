/**
 * What an AWS account is to ecr-access: a 12-digit ID, and the principals that stand for it.
 */
import { AccountId, accountOfPrincipal, rootArn, TypedAccountId } from '../../../src/domain/account';

describe('AccountId', () => {
  it('accepts 12 digits', () => {
    expect(AccountId.safeParse('222233334444').success).toBe(true);
  });

  it.each(['22223333444', '2222333344445', '222233334444x', 'x222233334444', '2222 3333 4444', ''])('refuses %j', (text) => {
    expect(AccountId.safeParse(text).success).toBe(false);
  });
});

describe('TypedAccountId', () => {
  it.each(['222233334444', '2222-3333-4444', '2222 3333 4444', ' 2222-3333-4444 ', '222-233-334-444'])('reads %j as 222233334444', (text) => {
    expect(TypedAccountId.parse(text)).toBe('222233334444');
  });

  it.each(['2222-3333-444', '2222--3333-4444', '2222_3333_4444', 'arn:aws:iam::222233334444:root', '-222233334444'])('refuses %j with the 12-digit rule', (text) => {
    const parsed = TypedAccountId.safeParse(text);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('an AWS account ID is exactly 12 digits, like 222233334444');
  });
});

describe('rootArn', () => {
  it('writes an account as the root ARN of the commercial partition', () => {
    expect(rootArn('222233334444')).toBe('arn:aws:iam::222233334444:root');
  });
});

describe('accountOfPrincipal', () => {
  it.each([
    ['a bare account ID', '222233334444'],
    ['its root ARN', 'arn:aws:iam::222233334444:root'],
  ])('reads %s as the account', (_, principal) => {
    expect(accountOfPrincipal(principal)).toBe('222233334444');
  });

  it('reads * as everyone', () => {
    expect(accountOfPrincipal('*')).toBe('*');
  });

  it.each([
    ['an ID with a character after the 12 digits', '222233334444x'],
    ['an ID with a character before the 12 digits', 'x222233334444'],
    ['13 digits', '2222333344445'],
    ['a root ARN with 13 digits', 'arn:aws:iam::2222333344445:root'],
    ['a root ARN with text after it', 'arn:aws:iam::222233334444:rootx'],
    ['a root ARN with text before it', 'xarn:aws:iam::222233334444:root'],
    ['a role in the account', 'arn:aws:iam::222233334444:role/ci'],
    ['a root ARN in another partition', 'arn:aws-cn:iam::222233334444:root'],
    ['a wildcard inside an ARN', 'arn:aws:iam::*:root'],
    ['a service', 'codebuild.amazonaws.com'],
  ])('does not read %s as an account', (_, principal) => {
    expect(accountOfPrincipal(principal)).toBeUndefined();
  });
});
