// A reply through the response_url is tried three times; one that never arrives is logged with
// the job and the person it was for, so an operator can tell them, and without the URL itself.
import { createLogger } from '../../../src/logger';
import { responder, type ReplyTo } from '../../../src/slack/responder';

const TO: ReplyTo = { responseUrl: 'https://hooks.slack.com/commands/T0TEAM/1/secret-part', job: 'request', user: 'U0REQUESTER' };
const REPLY = { text: 'Request r-1 is waiting for an approver.' };

/** A fetch that answers each POST with the next of `answers` (a status, or an error to throw), and counts them. */
function slackAnswering(...answers: Array<number | Error>) {
  const posts: string[] = [];
  const fetchFn = (async (url: string | URL | Request) => {
    posts.push(String(url));
    const answer = answers[Math.min(posts.length, answers.length) - 1]!;
    if (answer instanceof Error) throw answer;
    return new Response(answer === 200 ? 'ok' : 'nope', { status: answer });
  }) as typeof fetch;
  return { fetchFn, posts };
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, errors: () => lines.filter((line) => line.level === 'error') };
}

const noPause = async () => undefined;

describe('responder', () => {
  it('posts the reply once when Slack takes it, and logs nothing', async () => {
    const slack = slackAnswering(200);
    const log = capture();
    await responder(log.logger, slack.fetchFn, noPause)(TO, REPLY);
    expect(slack.posts).toEqual([TO.responseUrl]);
    expect(log.errors()).toEqual([]);
  });

  it('tries again after a 500 or a network error, and logs nothing when a later try arrives', async () => {
    const slack = slackAnswering(500, new TypeError('fetch failed'), 200);
    const log = capture();
    await responder(log.logger, slack.fetchFn, noPause)(TO, REPLY);
    expect(slack.posts).toHaveLength(3);
    expect(log.errors()).toEqual([]);
  });

  it('logs the lost reply with its job, its user and what Slack last said, after three failed tries', async () => {
    const slack = slackAnswering(503, 429, 500);
    const log = capture();
    await responder(log.logger, slack.fetchFn, noPause)(TO, REPLY);
    expect(slack.posts).toHaveLength(3);
    expect(log.errors()).toEqual([
      expect.objectContaining({
        message: 'a reply to the user was lost: Slack did not take it',
        job: 'request',
        user: 'U0REQUESTER',
        reply: REPLY.text,
        status: 500,
        attempts: 3,
      }),
    ]);
  });

  it('logs the lost reply when the last try fails on the network', async () => {
    const slack = slackAnswering(new TypeError('fetch failed'));
    const log = capture();
    await responder(log.logger, slack.fetchFn, noPause)(TO, REPLY);
    expect(log.errors()).toEqual([expect.objectContaining({ job: 'request', user: 'U0REQUESTER', error: expect.objectContaining({ message: 'fetch failed' }), attempts: 3 })]);
  });

  it('logs a reply Slack refuses outright (an expired response_url) at once, without trying again', async () => {
    const slack = slackAnswering(404);
    const log = capture();
    await responder(log.logger, slack.fetchFn, noPause)(TO, REPLY);
    expect(slack.posts).toHaveLength(1);
    expect(log.errors()).toEqual([expect.objectContaining({ job: 'request', user: 'U0REQUESTER', status: 404, attempts: 1 })]);
  });

  it('never writes the response_url to the log', async () => {
    const log = capture();
    await responder(log.logger, slackAnswering(500).fetchFn, noPause)(TO, REPLY);
    expect(JSON.stringify(log.errors())).not.toContain('secret-part');
  });
});
