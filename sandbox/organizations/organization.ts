/**
 * The emulator's organization: one root, organizational units under it, accounts in them, and
 * the reads ecr-access makes, answered in AWS Organizations' shapes and error words (as
 * moto's organizations backend answers them: moto/organizations/models.py and exceptions.py).
 */

/** An answer the emulator gives as an Organizations error: `{"__type", "Message"}` plus x-amzn-ErrorType. */
export class OrganizationsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status: 400 | 500 = 400,
  ) {
    super(message);
    this.name = type;
  }
}

const accountNotFound = () => new OrganizationsError('AccountNotFoundException', "You specified an account that doesn't exist.");
const ouNotFound = () => new OrganizationsError('OrganizationalUnitNotFoundException', "You specified an organizational unit that doesn't exist.");
const childNotFound = () => new OrganizationsError('ChildNotFoundException', "You specified a child that doesn't exist.");
const parentNotFound = () => new OrganizationsError('ParentNotFoundException', "You specified parent that doesn't exist.");
const invalidInput = (message: string) => new OrganizationsError('InvalidInputException', message);

/** AWS pages these listings at 20 items at most (and moto by default). */
const MAX_PAGE = 20;

const ACCOUNT_ID = /^\d{12}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;

interface Unit {
  readonly id: string;
  readonly name: string;
  readonly parentId: string;
}

interface Account {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly parentId: string;
  readonly joinedAt: Date;
}

/** How the sandbox and tests describe an organization: OUs by path, accounts in them. */
export interface OrganizationSeed {
  /** The management account (it belongs to the organization, under the root). */
  readonly managementAccountId: string;
  readonly accounts: ReadonlyArray<{ id: string; name: string; /** OU names under the root; empty or absent: the root itself. */ ouPath?: readonly string[] }>;
}

export class Organization {
  readonly id = 'o-ecraccess01';
  readonly rootId = 'r-ecra';
  private readonly units = new Map<string, Unit>();
  private readonly accounts = new Map<string, Account>();

  constructor(readonly managementAccountId: string) {
    this.addAccount(managementAccountId, 'management');
  }

  static seeded(seed: OrganizationSeed): Organization {
    const organization = new Organization(seed.managementAccountId);
    for (const account of seed.accounts) organization.addAccount(account.id, account.name, account.ouPath ?? []);
    return organization;
  }

  /** The OU at this path of names under the root, made as needed; the root's ID for an empty path. */
  unitAt(path: readonly string[]): string {
    let parentId = this.rootId;
    for (const name of path) {
      const existing = [...this.units.values()].find((u) => u.parentId === parentId && u.name === name);
      if (existing) {
        parentId = existing.id;
        continue;
      }
      const id = `ou-ecra-${String(this.units.size + 1).padStart(8, '0')}`;
      this.units.set(id, { id, name, parentId });
      parentId = id;
    }
    return parentId;
  }

  addAccount(id: string, name: string, ouPath: readonly string[] = []): void {
    if (!ACCOUNT_ID.test(id)) throw new RangeError(`an account ID is 12 digits, got ${id}`);
    this.accounts.set(id, { id, name, email: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}@example.com`, parentId: this.unitAt(ouPath), joinedAt: new Date(Date.UTC(2024, 0, 1)) });
  }

  describeAccount(input: { AccountId?: unknown }): object {
    const id = input.AccountId;
    if (typeof id !== 'string' || !ACCOUNT_ID.test(id)) throw invalidInput('You provided a value that does not match the required pattern.');
    const account = this.accounts.get(id);
    if (!account) throw accountNotFound();
    return {
      Account: {
        Id: account.id,
        Arn: `arn:aws:organizations::${this.managementAccountId}:account/${this.id}/${account.id}`,
        Email: account.email,
        Name: account.name,
        Status: 'ACTIVE',
        State: 'ACTIVE',
        JoinedMethod: account.id === this.managementAccountId ? 'INVITED' : 'CREATED',
        JoinedTimestamp: account.joinedAt.getTime() / 1000,
      },
    };
  }

  /** An account's or OU's one parent; an account unknown to the organization is AccountNotFound, as moto answers it. */
  listParents(input: { ChildId?: unknown }): object {
    const id = input.ChildId;
    if (typeof id !== 'string' || !(ACCOUNT_ID.test(id) || OU_ID.test(id))) throw invalidInput('You provided a value that does not match the required pattern.');
    const parentId = ACCOUNT_ID.test(id) ? this.accounts.get(id)?.parentId : this.units.get(id)?.parentId;
    if (parentId === undefined) throw ACCOUNT_ID.test(id) ? accountNotFound() : childNotFound();
    return { Parents: [{ Id: parentId, Type: ROOT_ID.test(parentId) ? 'ROOT' : 'ORGANIZATIONAL_UNIT' }] };
  }

  describeOrganization(): object {
    return {
      Organization: {
        Id: this.id,
        Arn: `arn:aws:organizations::${this.managementAccountId}:organization/${this.id}`,
        FeatureSet: 'ALL',
        MasterAccountArn: `arn:aws:organizations::${this.managementAccountId}:account/${this.id}/${this.managementAccountId}`,
        MasterAccountId: this.managementAccountId,
        MasterAccountEmail: 'management@example.com',
        AvailablePolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }],
      },
    };
  }

  /** The accounts directly under a root or OU, a page at a time, oldest first (as moto sorts them). */
  listAccountsForParent(input: { ParentId?: unknown; MaxResults?: unknown; NextToken?: unknown }): object {
    const parentId = this.parentOf(input.ParentId);
    const accounts = [...this.accounts.values()].filter((a) => a.parentId === parentId).sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime());
    const { items, next } = this.page(accounts, input);
    return {
      Accounts: items.map((a) => ({
        Id: a.id,
        Arn: `arn:aws:organizations::${this.managementAccountId}:account/${this.id}/${a.id}`,
        Email: a.email,
        Name: a.name,
        Status: 'ACTIVE',
        JoinedMethod: a.id === this.managementAccountId ? 'INVITED' : 'CREATED',
        JoinedTimestamp: a.joinedAt.getTime() / 1000,
      })),
      ...(next && { NextToken: next }),
    };
  }

  /** The OUs directly under a root or OU, a page at a time. */
  listOrganizationalUnitsForParent(input: { ParentId?: unknown; MaxResults?: unknown; NextToken?: unknown }): object {
    const parentId = this.parentOf(input.ParentId);
    const units = [...this.units.values()].filter((u) => u.parentId === parentId);
    const { items, next } = this.page(units, input);
    return { OrganizationalUnits: items.map((u) => ({ Id: u.id, Arn: `arn:aws:organizations::${this.managementAccountId}:ou/${this.id}/${u.id}`, Name: u.name })), ...(next && { NextToken: next }) };
  }

  private parentOf(id: unknown): string {
    if (typeof id !== 'string' || !(ROOT_ID.test(id) || OU_ID.test(id))) throw invalidInput('You provided a value that does not match the required pattern.');
    if (id !== this.rootId && !this.units.has(id)) throw parentNotFound();
    return id;
  }

  /** One page: MaxResults (1–20, default 20) items from where NextToken left off; the token is opaque to callers. */
  private page<T>(items: readonly T[], input: { MaxResults?: unknown; NextToken?: unknown }): { items: T[]; next?: string } {
    const size = input.MaxResults ?? MAX_PAGE;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_PAGE) throw invalidInput(`MaxResults must be between 1 and ${MAX_PAGE}.`);
    let start = 0;
    if (input.NextToken !== undefined) {
      const decoded = typeof input.NextToken === 'string' ? /^start:(\d+)$/.exec(Buffer.from(input.NextToken, 'base64').toString('utf8')) : null;
      if (!decoded) throw invalidInput('The specified token is invalid.');
      start = Number(decoded[1]);
    }
    const end = start + size;
    return { items: items.slice(start, end), ...(end < items.length && { next: Buffer.from(`start:${end}`).toString('base64') }) };
  }

  describeOrganizationalUnit(input: { OrganizationalUnitId?: unknown }): object {
    const id = input.OrganizationalUnitId;
    if (typeof id !== 'string' || !OU_ID.test(id)) throw invalidInput('You provided a value that does not match the required pattern.');
    const unit = this.units.get(id);
    if (!unit) throw ouNotFound();
    return { OrganizationalUnit: { Id: unit.id, Arn: `arn:aws:organizations::${this.managementAccountId}:ou/${this.id}/${unit.id}`, Name: unit.name } };
  }
}
