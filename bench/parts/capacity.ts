// Part 4: how many accounts one repository policy holds under ECR's 10,240-character limit
// with ecr-access's serialisation, proved by a real grant at the limit, and what people are
// told one account past it (at request time, and at approval time when two requests race).
import { grantPull, parsePolicy, serializePolicy, MAX_POLICY_LENGTH, type RepositoryPolicy } from '../../src/domain/policy';
import { isEcrAccessError, ErrorCode } from '../../src/errors';
import { startBenchWorld, accountId } from '../bench-world';
import { CI_PUSH_STATEMENT, readStatement } from '../fixtures';
import type { BenchOptions } from '../options';
import type { PartResult } from '../report';

const TARGET_ACCOUNTS = 280;
const REPOSITORY = 'full-images';
const FIRST_ACCOUNT = 400_000_000_000;

/** The most accounts grantPull will put in the policy before refusing it as too large. */
function capacityOf(base: RepositoryPolicy): { accounts: number; length: number } {
  let accounts = 0;
  let length = serializePolicy(base).length;
  for (;;) {
    const next = Array.from({ length: accounts + 1 }, (_, i) => accountId(FIRST_ACCOUNT, i));
    try {
      length = grantPull(base, next).text.length;
      accounts++;
    } catch (error) {
      if (isEcrAccessError(error, ErrorCode.PolicyTooLarge)) return { accounts, length };
      throw error;
    }
  }
}

const policyWith = (statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

export async function capacity(options: BenchOptions): Promise<PartResult> {
  const alone = capacityOf(parsePolicy(undefined));
  const withCi = capacityOf(parsePolicy(policyWith([CI_PUSH_STATEMENT])));
  const perAccount = grantPull(parsePolicy(undefined), [accountId(FIRST_ACCOUNT, 0), accountId(FIRST_ACCOUNT, 1)]).text.length -
    grantPull(parsePolicy(undefined), [accountId(FIRST_ACCOUNT, 0)]).text.length;

  // Through the bot: a policy one account short of the limit, two requests that each fit
  // alone, approved one after the other; then a third request.
  const problems: string[] = [];
  const w = await startBenchWorld({ latency: options.latency, repositories: [REPOSITORY] });
  try {
    const seeded = Array.from({ length: alone.accounts - 1 }, (_, i) => accountId(FIRST_ACCOUNT, i));
    w.world.ecr.putPolicy(REPOSITORY, policyWith([readStatement(seeded)]));
    const last = accountId(FIRST_ACCOUNT, alone.accounts);
    const onePast = accountId(FIRST_ACCOUNT, alone.accounts + 1);
    const lastCard = await w.request(REPOSITORY, last);
    const onePastCard = await w.request(REPOSITORY, onePast);

    await w.click(lastCard, 'approve');
    await w.allAnswered([lastCard]);
    await w.click(onePastCard, 'approve');
    await w.allAnswered([onePastCard]);
    await w.quiet();

    const stored = w.world.ecr.policyText(REPOSITORY) ?? '';
    const records = await w.records();
    if (records.get(last)?.state !== 'GRANTED') {
      problems.push(`the grant at the limit was not GRANTED: ${records.get(last)?.state} ${records.get(last)?.failureReason ?? ''}`);
    }
    if (records.get(onePast)?.state !== 'FAILED') problems.push(`the grant one past the limit ended ${records.get(onePast)?.state}, not FAILED`);
    const approverSaw = w.threadReplies(onePastCard).map((m) => m.text).join(' / ');

    const refusedAck = await w.command(`request ${REPOSITORY} ${accountId(FIRST_ACCOUNT, alone.accounts + 2)} one more`);
    const requesterSaw = String((await w.reply(refusedAck.responseUrl)).body.text ?? '');
    if (!/over ECR's limit/.test(requesterSaw)) problems.push(`a request past the limit was answered: ${requesterSaw}`);

    return {
      part: 4,
      title: `Capacity: accounts in one policy under ECR's ${MAX_POLICY_LENGTH.toLocaleString('en-US')}-character limit`,
      rows: [
        {
          measure: 'accounts, policy with only the read-only statement',
          value: `${alone.accounts} (${alone.length.toLocaleString('en-US')} chars)`,
          target: `≥ ${TARGET_ACCOUNTS}`,
          met: alone.accounts >= TARGET_ACCOUNTS,
        },
        { measure: 'accounts, policy that also has a CI push statement', value: `${withCi.accounts} (${withCi.length.toLocaleString('en-US')} chars)` },
        { measure: 'characters per extra account', value: String(perAccount) },
        {
          measure: `grant of account no. ${alone.accounts} through the bot`,
          value: `${records.get(last)?.state ?? 'missing'}, stored policy ${stored.length.toLocaleString('en-US')} chars`,
        },
        { measure: `approval of no. ${alone.accounts + 1} (it fitted when asked for)`, value: records.get(onePast)?.state ?? 'missing' },
        { measure: `request for no. ${alone.accounts + 2}`, value: /over ECR's limit/.test(requesterSaw) ? 'refused before the approvers see it' : 'NOT refused' },
      ],
      figures: {
        maxAccounts: alone.accounts,
        maxPolicyLength: alone.length,
        maxAccountsWithCiStatement: withCi.accounts,
        charactersPerAccount: perAccount,
        limit: MAX_POLICY_LENGTH,
        targetAccounts: TARGET_ACCOUNTS,
        storedPolicyLengthAtLimit: stored.length,
        approverSawOnePast: approverSaw,
        requesterSawOnePast: requesterSaw,
      },
      problems,
      notes: [`The approver sees in the thread, one past the limit: ${approverSaw}`, `The requester is told, once the policy is full: ${requesterSaw}`],
    };
  } finally {
    await w.close();
  }
}
