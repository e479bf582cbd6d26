// `/ecr-access list` as one Slack message, however many repositories are shared.
import { MESSAGE_BLOCK_LIMIT } from '../../../../src/slack/blocks/kit';
import { listReport } from '../../../../src/slack/blocks/list-report';
import type { RepositoryAccess } from '../../../../src/service/list-access';

const nobody = (repository: string): RepositoryAccess => ({ repository, everyone: false, pullers: [], ous: [], removedOutside: [], open: [] });
const pulled = (repository: string): RepositoryAccess => ({ ...nobody(repository), pullers: [{ account: '222233334444' }] });

describe('the list report', () => {
  it('shows each of a few repositories, those nobody else pulls from included', () => {
    const report = listReport([pulled('common-images'), nobody('base-images')]);
    expect(JSON.stringify(report.blocks)).toContain('base-images');
    expect(report.text).toBe('Who can pull — common-images: 1 account(s); base-images: 0 account(s)');
  });

  it('counts, rather than shows, the many repositories nobody else pulls from, in one message', () => {
    const repositories = Array.from({ length: 5_000 }, (_, i) => (i % 1_000 === 0 ? pulled(`team-${i}`) : nobody(`team-${i}`)));
    const report = listReport(repositories);
    expect(report.blocks.length).toBeLessThanOrEqual(MESSAGE_BLOCK_LIMIT);
    const shown = JSON.stringify(report.blocks);
    for (const i of [0, 1_000, 2_000, 3_000, 4_000]) expect(shown).toContain(`team-${i}\``);
    expect(shown).not.toContain('team-1`');
    expect(shown).toContain('4995 other shared repositories: no other account can pull, and no request is open.');
    expect(report.text).toBe('Who can pull — team-0: 1 account(s); team-1000: 1 account(s); team-2000: 1 account(s); team-3000: 1 account(s); team-4000: 1 account(s); 4995 more with none');
  });
});
