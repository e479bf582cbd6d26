// Who owns the accounts a use case shows: nothing where no accounts source is configured, and one
// question of the directory for all of a page's accounts, none for a page without accounts.
import type { AccountOwner } from '../../../src/domain/account-owner';
import { ownersShown } from '../../../src/service/owners';
import { InMemoryAccountDirectory } from '../../support/in-memory-ports';

const member = { kind: 'member', name: 'sales-dashboards', ouPath: ['Root', 'Analytics'] } satisfies AccountOwner;

describe('the owners a page shows', () => {
  it('shows none, and asks nobody, where no accounts source is configured', async () => {
    expect(await ownersShown({}, ['222233334444'])).toEqual({});
  });

  it("asks the directory once for the page's accounts, and answers what it says of each", async () => {
    const accounts = new InMemoryAccountDirectory({ '222233334444': member });
    const shown = await ownersShown({ accounts }, ['222233334444', '333344445555', '222233334444']);
    expect(shown.owners).toEqual(
      new Map<string, AccountOwner>([
        ['222233334444', member],
        ['333344445555', { kind: 'outside' }],
      ]),
    );
    expect(accounts.lookedUp).toEqual(['222233334444', '333344445555']);
  });

  it('asks nothing for a page without accounts, and still says owners are shown', async () => {
    const accounts = new InMemoryAccountDirectory({ '222233334444': member });
    expect(await ownersShown({ accounts }, [])).toEqual({ owners: new Map() });
    expect(accounts.lookedUp).toEqual([]);
  });
});
