// The Lambda handler's routing: internal job events run jobs, everything else is Slack's
// HTTP request for Bolt's receiver. Fakes stand in for the receiver and the job runner.
import { lambdaHandler } from '../../../src/lambda/handler';
import { jobEvent } from '../../../src/lambda/job-event';
import { createLogger } from '../../../src/logger';
import type { ReplayReport } from '../../../src/lambda/replay';
import type { SweepReport } from '../../../src/service/sweep';
import type { Job } from '../../../src/slack/jobs';

const JOB: Job = { kind: 'list', user: 'U0REQUESTER', responseUrl: 'https://hooks.slack.com/commands/T0/1/abc' };
const NOW_MS = 1_700_000_000_000;
const dated = (seconds: number) => ({ 'x-slack-request-timestamp': String(seconds) });
const HTTP_EVENT = {
  version: '2.0',
  routeKey: 'POST /slack/events',
  rawPath: '/slack/events',
  headers: dated(NOW_MS / 1000),
  body: '',
  isBase64Encoded: false,
};

const REPORT: SweepReport = { looked: 0, repositories: 1, itemsRead: 0, expired: 0, reminded: 0, lapsed: 0, nudged: 0, driven: 0, announced: 0, driftReported: 0, failures: 0 };
const REPLAYED: ReplayReport = { replayed: 1, toldNotDone: 0, failed: 0, discarded: 0 };

function setup(
  receive: (event: unknown) => Promise<{ statusCode: number; body: string }> = async () => ({ statusCode: 200, body: '' }),
  sweepReport: SweepReport = REPORT,
) {
  const jobs: Job[] = [];
  const received: unknown[] = [];
  const lines: string[] = [];
  let sweeps = 0;
  let replays = 0;
  const handler = lambdaHandler({
    sweep: async () => {
      sweeps += 1;
      return sweepReport;
    },
    replay: async () => {
      replays += 1;
      return REPLAYED;
    },
    receive: async (event) => {
      received.push(event);
      return receive(event);
    },
    runJob: async (job) => {
      jobs.push(job);
    },
    logger: createLogger({ write: (line) => lines.push(line) }),
    now: () => NOW_MS,
  });
  return { handler, jobs, received, lines, sweeps: () => sweeps, replays: () => replays };
}

describe('lambdaHandler', () => {
  it('runs a well-formed job event and never shows it to the receiver', async () => {
    const { handler, jobs, received } = setup();
    await expect(handler(jobEvent(JOB, NOW_MS), {})).resolves.toBeUndefined();
    expect(jobs).toEqual([JOB]);
    expect(received).toEqual([]);
  });

  it('drops a job event that does not fit the Job schema, saying so in the log', async () => {
    const { handler, jobs, received, lines } = setup();
    await handler({ ecrAccessJob: { ...JOB, kind: 'revoke' } }, {});
    expect(jobs).toEqual([]);
    expect(received).toEqual([]);
    expect(lines.join('\n')).toContain('dropped an internal job event');
  });

  it('refuses a job event with anything beside the job', async () => {
    const { handler, jobs } = setup();
    await handler({ ...jobEvent(JOB, NOW_MS), headers: {} }, {});
    expect(jobs).toEqual([]);
  });

  it('hands an HTTP event to the receiver and returns its answer', async () => {
    const { handler, jobs, received } = setup(async () => ({ statusCode: 401, body: '' }));
    await expect(handler(HTTP_EVENT, {})).resolves.toEqual({ statusCode: 401, body: '' });
    expect(received).toEqual([HTTP_EVENT]);
    expect(jobs).toEqual([]);
  });

  it.each([
    ['dated more than five minutes ahead', dated(NOW_MS / 1000 + 301)],
    ['dated more than five minutes ago', dated(NOW_MS / 1000 - 301)],
    ['with no date', {}],
  ])('answers 401 to an HTTP event %s, without showing it to the receiver', async (_name, headers) => {
    const { handler, jobs, received } = setup();
    await expect(handler({ ...HTTP_EVENT, headers }, {})).resolves.toEqual({ statusCode: 401, body: '' });
    expect(received).toEqual([]);
    expect(jobs).toEqual([]);
  });

  it('reads the date whatever the case of the header name', async () => {
    const { handler, received } = setup();
    await handler({ ...HTTP_EVENT, headers: { 'X-Slack-Request-Timestamp': String(NOW_MS / 1000) } }, {});
    expect(received).toHaveLength(1);
  });

  it('answers 400 when the receiver cannot read the request', async () => {
    const { handler } = setup(async () => {
      throw new SyntaxError('Unexpected token');
    });
    await expect(handler({ ...HTTP_EVENT, body: '{not json' }, {})).resolves.toEqual({ statusCode: 400, body: '' });
  });

  it("runs one pass of the sweep for the schedule's event, and nothing else", async () => {
    const { handler, jobs, received, sweeps } = setup();
    await expect(handler({ 'ecr-access': 'sweep' }, {})).resolves.toBeUndefined();
    expect(sweeps()).toBe(1);
    expect(jobs).toEqual([]);
    expect(received).toEqual([]);
  });

  it('fails the invocation when a pass of the sweep leaves something undone, so the function errors show it', async () => {
    const { handler, sweeps } = setup(undefined, { ...REPORT, failures: 2 });
    await expect(handler({ 'ecr-access': 'sweep' }, {})).rejects.toMatchObject({ code: 'ecr_access_sweep_incomplete', message: expect.stringContaining('could not finish 2 item(s)') });
    expect(sweeps()).toBe(1);
  });

  it('replays the waiting jobs for the replay event, and answers with what it did', async () => {
    const { handler, jobs, received, sweeps, replays } = setup();
    await expect(handler({ 'ecr-access': 'replay' }, {})).resolves.toEqual(REPLAYED);
    expect(replays()).toBe(1);
    expect([jobs, received, sweeps()]).toEqual([[], [], 0]);
  });

  it('refuses an event addressed to ecr-access that is neither the sweep nor the replay, saying so in the log', async () => {
    const { handler, received, sweeps, replays, lines } = setup();
    await handler({ 'ecr-access': 'revoke-everything' }, {});
    await handler({ 'ecr-access': 'sweep', extra: true }, {});
    expect([sweeps(), replays()]).toEqual([0, 0]);
    expect(received).toEqual([]);
    expect(lines.filter((line) => line.includes('neither { \\"ecr-access\\": \\"sweep\\" } nor { \\"ecr-access\\": \\"replay\\" }'))).toHaveLength(2);
  });

  it('refuses an event that is neither a Slack request, a job nor a task (an EventBridge default event)', async () => {
    const { handler, jobs, received, sweeps, lines } = setup();
    await expect(handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, {})).resolves.toBeUndefined();
    expect([jobs, received, sweeps()]).toEqual([[], [], 0]);
    expect(lines.join('\n')).toContain('neither a Slack request, a job nor a task');
  });
});
