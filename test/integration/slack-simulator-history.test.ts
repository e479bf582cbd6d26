/**
 * Saving and restoring the simulator's conversations, which lets `npm run sandbox` keep a
 * request's card (whose ts the bot stored) across a restart.
 */
import { webApi } from '@slack/bolt';
import { startSlackSimulator, type SimulatorEvent, type SlackSimulator } from '../../sandbox/slack-simulator';

const APPROVALS = 'C0APPROVALS';
const options = { signingSecret: 'test-signing-secret', botToken: 'xoxb-test-token' };

let first: SlackSimulator;
let second: SlackSimulator;

beforeEach(async () => {
  first = await startSlackSimulator(options);
  second = await startSlackSimulator(options);
});

afterEach(async () => {
  await first.close();
  await second.close();
});

function botOf(sim: SlackSimulator): webApi.WebClient {
  return new webApi.WebClient(options.botToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logLevel: webApi.LogLevel.ERROR });
}

async function cardWithReplyAndDm(sim: SlackSimulator): Promise<string> {
  const bot = botOf(sim);
  const card = await bot.chat.postMessage({ channel: APPROVALS, text: 'a card' });
  await bot.chat.postMessage({ channel: APPROVALS, thread_ts: card.ts!, text: 'a reply' });
  await bot.chat.postMessage({ channel: 'U0REQUESTER', text: 'a direct message' });
  await bot.chat.postEphemeral({ channel: APPROVALS, user: 'U0REQUESTER', text: 'only for alice' });
  return card.ts!;
}

it('restores channels, threads and DMs into another simulator as they were', async () => {
  const cardTs = await cardWithReplyAndDm(first);
  second.restoreHistory(first.history());
  expect(second.messages(APPROVALS)).toEqual(first.messages(APPROVALS));
  expect(second.thread(APPROVALS, cardTs)).toEqual(first.thread(APPROVALS, cardTs));
  expect(second.dms('U0REQUESTER')).toEqual(first.dms('U0REQUESTER'));
});

it('leaves ephemerals out, as Slack forgets them when the client reloads', async () => {
  await cardWithReplyAndDm(first);
  second.restoreHistory(first.history());
  expect(second.ephemerals('U0REQUESTER')).toEqual([]);
});

it('lets the bot update a restored message and reply to it, by the ts it stored', async () => {
  const cardTs = await cardWithReplyAndDm(first);
  second.restoreHistory(first.history());
  const bot = botOf(second);
  await bot.chat.update({ channel: APPROVALS, ts: cardTs, text: 'decided' });
  await bot.chat.postMessage({ channel: APPROVALS, thread_ts: cardTs, text: 'another reply' });
  expect(second.messages(APPROVALS)[0]).toMatchObject({ ts: cardTs, text: 'decided', reply_count: 2 });
});

it('gives messages posted after a restore later timestamps than every restored one', async () => {
  await cardWithReplyAndDm(first);
  const saved = first.history();
  second.restoreHistory(saved);
  const posted = await botOf(second).chat.postMessage({ channel: APPROVALS, text: 'after the restart' });
  expect(Number(posted.ts)).toBeGreaterThan(Number(saved.lastTs));
});

it('survives a JSON round trip, as a state file makes it', async () => {
  const cardTs = await cardWithReplyAndDm(first);
  second.restoreHistory(JSON.parse(JSON.stringify(first.history())));
  expect(second.thread(APPROVALS, cardTs).map((m) => m.text)).toEqual(['a card', 'a reply']);
});

it('announces the restore, so a watcher can redraw', async () => {
  const seen: SimulatorEvent[] = [];
  second.on('event', (event) => seen.push(event));
  second.restoreHistory(first.history());
  expect(seen).toEqual([{ kind: 'config_changed', what: 'history' }]);
});
