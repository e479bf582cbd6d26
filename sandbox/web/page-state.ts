// What the sandbox page shows, as data: the whole picture for a page that (re)connects, and
// one small change for each thing that happens in the simulated Slack or the ECR emulator.
import { COMMAND, HISTORY_USAGE, LIST_USAGE, REQUEST_USAGE, REVOKE_USAGE } from '../../src/domain/command';
import { REQUEST_SHORTCUT } from '../../src/slack/blocks/request-form';
import type { EcrEmulator } from '../ecr-emulator';
import type { MessageTimes } from '../message-times';
import type { OpenModal, SimEphemeral, SimMessage, SimulatorEvent, SimView, SlackSimulator } from '../slack-simulator';

/** A person the page lets you be. */
export interface Persona {
  id: string;
  name: string;
  role: 'requester' | 'approver' | 'member';
  /** What the person does, in the switcher. */
  title: string;
}

/** The sandbox's time, which the page can move on. */
interface PageClock {
  now(): number;
  /** Moves time on by `ms` and lets the bot act on it; resolves once it has. */
  advance(ms: number): Promise<void>;
}

export interface PageSources {
  slack: SlackSimulator;
  ecr: EcrEmulator;
  times: MessageTimes;
  personas: readonly Persona[];
  clock: PageClock;
}

export interface RepositoryPolicy {
  name: string;
  /** As stored in the emulator; null when the repository has no policy. */
  policyText: string | null;
}

export interface PageSnapshot {
  workspace: { name: string };
  bot: { userId: string; name: string };
  personas: readonly Persona[];
  users: Array<{ id: string; name: string }>;
  channels: Array<{ id: string; name: string }>;
  commands: Array<{ command: string; description: string; usage: string[] }>;
  /** The app's global shortcuts, as Slack lists them in its ⚡ menu. */
  shortcuts: Array<{ name: string; callbackId: string; description: string }>;
  /** Each person's Home tab as last published. */
  homes: Record<string, SimView>;
  /** Each person's open modals, root first. */
  modals: Record<string, OpenModal[]>;
  /** Conversation ID → every message in it, replies included, oldest first. */
  conversations: Record<string, SimMessage[]>;
  ephemerals: SimEphemeral[];
  /** Message ts → epoch milliseconds it appeared. */
  times: Record<string, number>;
  repositories: RepositoryPolicy[];
  /** The sandbox's time when the snapshot was taken (epoch ms); ahead of the wall clock once moved. */
  now: number;
}

export type PageEvent =
  | { type: 'snapshot'; snapshot: PageSnapshot }
  | { type: 'message'; message: SimMessage; at: number }
  | { type: 'message_deleted'; channel: string; ts: string }
  | { type: 'ephemeral'; ephemeral: SimEphemeral; at: number }
  | { type: 'ephemeral_deleted'; user: string; ts: string }
  | { type: 'policy'; repository: RepositoryPolicy }
  | { type: 'modals'; user: string; stack: OpenModal[] }
  | { type: 'home'; user: string; view: SimView }
  | { type: 'clock'; now: number };

export const COMMANDS: PageSnapshot['commands'] = [
  {
    command: COMMAND,
    description: 'Ask for, approve, revoke and list read-only pull access to shared ECR repositories, and see its history',
    usage: [`${COMMAND}`, REQUEST_USAGE, REVOKE_USAGE, LIST_USAGE, HISTORY_USAGE, `${COMMAND} help`],
  },
];

const SHORTCUTS: PageSnapshot['shortcuts'] = [
  { name: 'Request ECR pull access', callbackId: REQUEST_SHORTCUT, description: 'Ask for read-only pull access to a shared ECR repository' },
];

export function repositoryPolicy(ecr: EcrEmulator, name: string): RepositoryPolicy {
  return { name, policyText: ecr.policyText(name) ?? null };
}

export function pageSnapshot({ slack, ecr, times, personas, clock }: PageSources): PageSnapshot {
  const { conversations } = slack.history();
  const ephemerals = slack.users.flatMap((user) => slack.ephemerals(user.id));
  const timestamps = [...Object.values(conversations).flat(), ...ephemerals].map((m) => m.ts);
  return {
    workspace: { name: 'Sandbox' },
    bot: { userId: slack.botUserId, name: 'ecr-access' },
    personas,
    users: slack.users,
    channels: slack.channels.map(({ id, name }) => ({ id, name })),
    commands: COMMANDS,
    shortcuts: SHORTCUTS,
    ...slack.viewsSnapshot(),
    conversations,
    ephemerals,
    times: times.pick(timestamps),
    repositories: ecr.repositories().map((name) => repositoryPolicy(ecr, name)),
    now: clock.now(),
  };
}

/** The page's view of a simulator event: a change, a reason to send everything again, or nothing. */
export function pageEventOf(event: SimulatorEvent, sources: PageSources): PageEvent | undefined {
  switch (event.kind) {
    case 'message_posted':
    case 'message_updated':
      return { type: 'message', message: event.message, at: sources.times.stamp(event.message.ts) };
    case 'message_deleted':
      return { type: 'message_deleted', channel: event.channel, ts: event.ts };
    case 'ephemeral_posted':
      return { type: 'ephemeral', ephemeral: event.ephemeral, at: sources.times.stamp(event.ephemeral.ts) };
    case 'ephemeral_deleted':
      return { type: 'ephemeral_deleted', user: event.user, ts: event.ts };
    case 'config_changed':
      return event.what === 'users' || event.what === 'history' ? { type: 'snapshot', snapshot: pageSnapshot(sources) } : undefined;
    case 'modals':
      return { type: 'modals', user: event.user, stack: event.stack };
    case 'home_published':
      return { type: 'home', user: event.user, view: event.view };
    case 'api_call':
    case 'response_url':
    case 'bot_request':
      return undefined;
  }
}
