// The dead-letter queue on SQS: Lambda's on-failure destination puts there the record of every
// job invocation that failed each try (serverless.yml). The sweep counts what waits; a replay
// takes the records, runs each job again or tells its user, and deletes each one it settled.
// The SDK package loads with the first call: only the sweep and a replay make one.
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { WaitingJobs } from '../service/ports';
import { clientFrom, type ClientSource, onFirstUse } from './clients';

/** One record taken from the queue: its text, and what deletes it. */
interface DeadLetter {
  readonly body: string;
  readonly receipt: string;
}

export interface DeadLetterQueue extends WaitingJobs {
  /**
   * Up to 10 waiting records, each hidden from other readers for `hideSeconds`: one not removed
   * by then waits again. An empty answer means nothing waits now.
   */
  take(hideSeconds: number): Promise<DeadLetter[]>;
  remove(letter: DeadLetter): Promise<void>;
}

const commands = onFirstUse(async () => {
  const { GetQueueAttributesCommand, ReceiveMessageCommand, DeleteMessageCommand } = await import('@aws-sdk/client-sqs');
  return { GetQueueAttributesCommand, ReceiveMessageCommand, DeleteMessageCommand };
});

/** The client for the queue, made with its first call, with the SDK's standard settings (AWS_ENDPOINT_URL_SQS included). */
export function sqsClientOnDemand(region: string): () => Promise<SQSClient> {
  return onFirstUse(async () => {
    const { SQSClient } = await import('@aws-sdk/client-sqs');
    return new SQSClient({ region, maxAttempts: 3, requestHandler: { requestTimeout: 5000, connectionTimeout: 5000, throwOnRequestTimeout: true } });
  });
}

export function sqsDeadLetterQueue(source: ClientSource<SQSClient>, queueUrl: string): DeadLetterQueue {
  const ready = () => Promise.all([clientFrom(source), commands()]);
  return {
    async count() {
      const [client, { GetQueueAttributesCommand }] = await ready();
      const out = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
      // Those a replay has taken and not yet settled are waiting too.
      return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    },
    async take(hideSeconds) {
      const [client, { ReceiveMessageCommand }] = await ready();
      // A second of long polling asks every SQS server; without it an answer may be empty while records wait.
      const out = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: hideSeconds, WaitTimeSeconds: 1 }));
      return (out.Messages ?? []).flatMap((m) => (m.Body !== undefined && m.ReceiptHandle !== undefined ? [{ body: m.Body, receipt: m.ReceiptHandle }] : []));
    },
    async remove(letter) {
      const [client, { DeleteMessageCommand }] = await ready();
      await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: letter.receipt }));
    },
  };
}
