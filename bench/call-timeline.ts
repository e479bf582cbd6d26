// Every outbound call of the bots, from the three places they can be seen (the ECR emulator's
// call log, the Slack simulator's, the DynamoDB meter), on one clock, to count how many calls
// an approval makes one after the other and where its time goes.
import { performance } from 'node:perf_hooks';
import type { BenchWorld } from './bench-world';

export type Service = 'ECR' | 'DynamoDB' | 'Slack';

export interface TimedCall {
  readonly service: Service;
  readonly operation: string;
  /** performance.now() in this process. */
  readonly start: number;
  readonly end: number;
}

export interface Timeline {
  /** Calls that started at or after `from` (and before `to`, when given), oldest first. */
  calls(from: number, to?: number): TimedCall[];
  stop(): void;
}

/** Starts recording; ECR calls are taken to last the injected latency (the emulator answers right after it). */
export function recordTimeline(w: BenchWorld, ecrLatencyMs: number): Timeline {
  const seen: TimedCall[] = [];
  const offEcr = w.world.ecr.on('call', (call) => {
    const start = performance.now();
    seen.push({ service: 'ECR', operation: call.action, start, end: start + ecrLatencyMs });
  });
  const onSlack = (event: Parameters<Parameters<BenchWorld['world']['slack']['on']>[1]>[0]) => {
    // The simulator stamps arrival with Date.now() and emits the event as it answers.
    const end = performance.now();
    if (event.kind === 'api_call') {
      seen.push({ service: 'Slack', operation: event.call.method, start: Math.min(end, event.call.at - performance.timeOrigin), end });
    } else if (event.kind === 'response_url') {
      seen.push({ service: 'Slack', operation: 'response_url', start: Math.min(end, event.post.at - performance.timeOrigin), end });
    }
  };
  w.world.slack.on('event', onSlack);
  const dynamoFrom = w.dynamo.calls.length;
  return {
    calls(from, to = Number.POSITIVE_INFINITY) {
      const dynamo = w.dynamo.calls
        .slice(dynamoFrom)
        .map((c) => ({ service: 'DynamoDB' as const, operation: c.operation, start: c.start, end: Number.isNaN(c.end) ? c.start : c.end }));
      return [...seen, ...dynamo].filter((c) => c.start >= from && c.start < to).sort((a, b) => a.start - b.start);
    },
    stop() {
      offEcr();
      w.world.slack.off('event', onSlack);
    },
  };
}

/**
 * Groups calls into steps that ran one after the other: a call that starts before the calls
 * of the current step have ended ran alongside them. The step count is the sequential depth.
 */
export function sequentialSteps(calls: readonly TimedCall[]): TimedCall[][] {
  const steps: TimedCall[][] = [];
  let stepEnd = Number.NEGATIVE_INFINITY;
  for (const call of calls) {
    const current = steps.at(-1);
    if (current && call.start < stepEnd - 0.5) {
      current.push(call);
      stepEnd = Math.max(stepEnd, call.end);
    } else {
      steps.push([call]);
      stepEnd = call.end;
    }
  }
  return steps;
}

export function countBy(calls: readonly TimedCall[], key: (c: TimedCall) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) counts[key(call)] = (counts[key(call)] ?? 0) + 1;
  return counts;
}

/** Time spent waiting on each service along a sequence of steps (a step's longest call). */
export function waitingBy(steps: readonly TimedCall[][]): Record<Service, number> {
  const waiting: Record<Service, number> = { ECR: 0, DynamoDB: 0, Slack: 0 };
  for (const step of steps) {
    const longest = step.reduce((a, b) => (b.end - b.start > a.end - a.start ? b : a));
    waiting[longest.service] += longest.end - longest.start;
  }
  return waiting;
}
