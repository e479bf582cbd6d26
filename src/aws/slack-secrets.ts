// Reads the Slack secrets when the bot starts: the ones the config names as SSM parameters come
// from one decrypting GetParameters call, and each answer is checked as the environment's value
// would be. Every problem is reported at once, by parameter name; a secret's value never is.
import type { SSMClient } from '@aws-sdk/client-ssm';
import * as z from 'zod';
import { SlackAppToken, SlackBotToken, SlackSigningSecret, type SlackSecrets, type SlackSecretSources } from '../config';
import { EcrAccessError, ErrorCode } from '../errors';
import { clientFrom, type ClientSource } from './clients';

const SECRETS = {
  botToken: { setting: 'SLACK_BOT_TOKEN_PARAMETER', what: 'bot token', schema: SlackBotToken },
  signingSecret: { setting: 'SLACK_SIGNING_SECRET_PARAMETER', what: 'signing secret', schema: SlackSigningSecret },
  appToken: { setting: 'SLACK_APP_TOKEN_PARAMETER', what: 'app-level token', schema: SlackAppToken },
} as const;

type SecretName = keyof typeof SECRETS;

/** The part of SSM's answer this reads; anything else in it is ignored. */
const GetParametersAnswer = z.object({
  Parameters: z.array(z.object({ Name: z.string(), Type: z.string(), Value: z.string() })).default([]),
  InvalidParameters: z.array(z.string()).default([]),
});

/** One attempt should take a few milliseconds; a cold start answering Slack within 3 s cannot wait long. */
async function newSsmClient(region: string): Promise<SSMClient> {
  const { SSMClient } = await import('@aws-sdk/client-ssm');
  return new SSMClient({
    region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 1000, throwOnRequestTimeout: true },
  });
}

function unavailable(problems: readonly string[], cause?: unknown): EcrAccessError {
  return new EcrAccessError(
    ErrorCode.SecretsUnavailable,
    `ecr-access cannot start: the Slack secrets could not be read from SSM Parameter Store:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    { cause },
  );
}

function putParameterHint(region: string, parameter: string, what: string): string {
  return `aws ssm put-parameter --region ${region} --name ${parameter} --type SecureString --value "<the ${what}>"`;
}

/**
 * The secrets, read from SSM where the config names a parameter (by default with a client made
 * for this one read, on the SDK's standard settings such as AWS_ENDPOINT_URL_SSM).
 * Values are trimmed, as the environment's are.
 */
export async function readSlackSecrets<Sources extends SlackSecretSources>(
  sources: Sources,
  options: { region: string; ssm?: ClientSource<SSMClient> },
): Promise<SlackSecrets<Sources>> {
  const values: Partial<Record<SecretName, string>> = {};
  const inSsm: Array<{ name: SecretName; parameter: string }> = [];
  for (const [name, source] of Object.entries(sources) as Array<[SecretName, SlackSecretSources['botToken']]>) {
    if ('value' in source) values[name] = source.value;
    else inSsm.push({ name, parameter: source.parameter });
  }
  if (inSsm.length === 0) return values as SlackSecrets<Sources>;

  const names = [...new Set(inSsm.map((s) => s.parameter))];
  const { GetParametersCommand } = await import('@aws-sdk/client-ssm');
  const client = options.ssm ? await clientFrom(options.ssm) : await newSsmClient(options.region);
  let raw: unknown;
  try {
    raw = await client.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
  } catch (error) {
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    const access =
      name === 'AccessDeniedException'
        ? ` The bot's role (or your credentials) must allow ssm:GetParameters on ${names.join(' and ')}, and kms:Decrypt on the key that encrypts them.`
        : '';
    throw unavailable([`SSM in ${options.region} refused GetParameters for ${names.join(', ')}: ${name}: ${message}.${access}`], error);
  } finally {
    if (!options.ssm) client.destroy();
  }
  const answer = GetParametersAnswer.safeParse(raw);
  if (!answer.success) throw unavailable([`SSM answered GetParameters in a shape this version does not know; nothing was read`]);

  const problems: string[] = [];
  for (const { name, parameter } of inSsm) {
    const { setting, what, schema } = SECRETS[name];
    const found = answer.data.Parameters.find((p) => p.Name === parameter);
    if (!found) {
      problems.push(
        answer.data.InvalidParameters.includes(parameter)
          ? `${setting} names ${parameter}, which does not exist in ${options.region}: create it (${putParameterHint(options.region, parameter, what)}) or correct the name`
          : `SSM left ${parameter} (${setting}) out of its answer`,
      );
      continue;
    }
    if (found.Type !== 'SecureString') {
      problems.push(
        `${parameter} (${setting}) is a ${found.Type} parameter, stored unencrypted: delete it and store the ${what} as a SecureString (${putParameterHint(options.region, parameter, what)})`,
      );
      continue;
    }
    const value = schema.safeParse(found.Value.trim());
    if (!value.success) {
      problems.push(`the value of ${parameter} (${setting}) ${value.error.issues[0]?.message ?? 'is not valid'}`);
      continue;
    }
    values[name] = value.data;
  }
  if (problems.length > 0) throw unavailable(problems);
  return values as SlackSecrets<Sources>;
}
