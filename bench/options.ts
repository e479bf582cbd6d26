// `npm run bench -- [--quick] [--latency 25] [--dynamo-latency 0] [--only 1,2] [--out file]`.
import { join } from 'node:path';

export interface Latency {
  /** Injected per ECR call and per Slack call (Web API and response_url). */
  readonly ecrMs: number;
  readonly slackMs: number;
  /** Injected per DynamoDB call by the call meter; 0 by default, as dynalite has none. */
  readonly dynamoMs: number;
}

export interface BenchOptions {
  readonly quick: boolean;
  readonly latency: Latency;
  /** Part numbers to run, 1–10. */
  readonly parts: readonly number[];
  readonly out: string;
}

const USAGE = `usage: npm run bench -- [--quick] [--latency MS] [--dynamo-latency MS] [--only 1,2,...] [--out FILE]
  --quick            smaller counts, same code paths (for CI; about two minutes)
  --latency MS       injected latency per ECR and Slack call (default 25)
  --dynamo-latency MS  injected latency per DynamoDB call (default 0, as dynalite has none)
  --only LIST        run only these parts (1 ack, 2 approval floor, 3 concurrency, 4 capacity, 5 list, 6 cold start,
                     7 announcement burst under Slack's rate limits, 8 sweep, 9 outcomes told once under 429s,
                     10 a flood of forged requests, 11 the request form within the trigger window and Home tabs in a burst,
                     12 5,000 repositories under two patterns)
  --out FILE         where to write the JSON results (default bench/results.json)`;

export class UsageError extends Error {
  constructor(problem: string) {
    super(`${problem}\n${USAGE}`);
  }
}

function milliseconds(flag: string, value: string | undefined): number {
  const ms = Number(value);
  if (value === undefined || !Number.isFinite(ms) || ms < 0 || ms > 5000) throw new UsageError(`${flag} takes a number of milliseconds from 0 to 5000`);
  return ms;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  let quick = false;
  let latencyMs = 25;
  let dynamoMs = 0;
  let parts = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  let out = join(__dirname, 'results.json');
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--latency':
        latencyMs = milliseconds(flag, value);
        i++;
        break;
      case '--dynamo-latency':
        dynamoMs = milliseconds(flag, value);
        i++;
        break;
      case '--only':
        parts = (value ?? '').split(',').map(Number);
        if (parts.length === 0 || parts.some((p) => !Number.isInteger(p) || p < 1 || p > 12)) throw new UsageError('--only takes part numbers 1 to 12, e.g. --only 2,3');
        i++;
        break;
      case '--out':
        if (!value) throw new UsageError('--out takes a file name');
        out = value;
        i++;
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  return { quick, latency: { ecrMs: latencyMs, slackMs: latencyMs, dynamoMs }, parts, out };
}
