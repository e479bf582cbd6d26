// The sandbox's Slack conversations on disk (.sandbox/slack.json), so channels, threads and
// DMs survive a restart like the DynamoDB and ECR state beside them. Written atomically
// (temporary file, then rename), after every change, one write at a time.
import { readJsonFile, writeJsonFileAtomically } from './json-file';
import { z } from 'zod';
import type { MessageTimes } from './message-times';
import type { SimMessage, SimulatorEvent, SlackSimulator, WorkspaceHistory } from './slack-simulator';

const SavedMessage = z.looseObject({
  type: z.literal('message'),
  channel: z.string(),
  ts: z.string(),
  user: z.string(),
  text: z.string(),
});

const SavedConversations = z.object({
  version: z.literal(1),
  history: z.object({
    lastTs: z.string().regex(/^\d+\.\d{6}$/),
    conversations: z.record(z.string(), z.array(SavedMessage)),
  }),
  postedAt: z.record(z.string(), z.number()),
});

export interface SavedConversations {
  history: WorkspaceHistory;
  postedAt: Record<string, number>;
}

/** The saved conversations, or undefined when there are none yet. A corrupt file is an error. */
export async function loadConversations(path: string): Promise<SavedConversations | undefined> {
  const saved = await readJsonFile(
    path,
    SavedConversations,
    (problem) => `${path} is not a saved sandbox conversation file (${problem}); start fresh with --fresh`,
  );
  if (saved === undefined) return undefined;
  const { history, postedAt } = saved;
  // The schema checks what the sandbox relies on; the rest of each message is kept as it was saved.
  return { history: history as { lastTs: string; conversations: Record<string, SimMessage[]> }, postedAt };
}

const CHANGES: ReadonlySet<SimulatorEvent['kind']> = new Set(['message_posted', 'message_updated', 'message_deleted']);

/**
 * Saves the simulator's conversations after every change to them, until stopped. A failed
 * write is reported to onError at once (the next change tries again) and thrown by stop().
 */
export function recordConversations(
  slack: SlackSimulator,
  times: MessageTimes,
  path: string,
  onError: (error: unknown) => void = () => undefined,
) {
  let writing: Promise<void> = Promise.resolve();
  let queued = false;
  let failure: unknown;

  const save = (): void => {
    if (queued) return;
    queued = true;
    // Chained so the file always ends with the latest state; changes that arrive while a
    // write runs are saved together by the next one.
    writing = writing.then(async () => {
      queued = false;
      const history = slack.history();
      const timestamps = Object.values(history.conversations).flatMap((messages) => messages.map((m) => m.ts));
      try {
        await writeJsonFileAtomically(path, { version: 1, history, postedAt: times.pick(timestamps) });
      } catch (error) {
        failure = error;
        onError(error);
      }
    });
  };

  const onEvent = (event: SimulatorEvent): void => {
    if (event.kind === 'message_posted') times.stamp(event.message.ts);
    if (CHANGES.has(event.kind)) save();
  };
  slack.on('event', onEvent);

  return {
    /** Stops following changes and resolves once the last one is on disk. */
    async stop(): Promise<void> {
      slack.off('event', onEvent);
      await writing;
      if (failure !== undefined) throw failure;
    },
  };
}


