// The function's environment, built from the stage's checked settings: what serverless.yml hands
// Lambda, and what deploy/limits.ts measures against Lambda's 4 KB before anything is deployed.
import { ACCOUNTS_FILE } from './accounts-file';
import { REPOSITORY_FILE, SETTINGS_FILE } from './repository-file';
import type { DeploySettings } from './settings';

type Value = string | { readonly Ref: string };

/** A setting that is not set is left out, rather than set to nothing. */
const ifSet = (name: string, value: string): Record<string, Value> => (value === '' ? {} : { [name]: value });

/** @public deploy/variables.js hands it to serverless.yml. */
export function functionEnvironment(settings: DeploySettings): Record<string, Value> {
  return {
    // Only the names of the SecureString parameters: the function reads the Slack secrets from
    // SSM when it starts, so they are in neither the template nor the function's configuration.
    SLACK_BOT_TOKEN_PARAMETER: settings.slackBotTokenParameter,
    SLACK_SIGNING_SECRET_PARAMETER: settings.slackSigningSecretParameter,
    SLACK_BOT_ID: settings.slackBotId,
    SLACK_BOT_USER_ID: settings.slackBotUserId,
    ECR_ACCESS_TABLE: { Ref: 'AccessTable' },
    // The list itself is in the bundle (deploy/repository-file.ts), so this stays one short name.
    ...(settings.settingsFile === '' ? { ECR_ACCESS_REPOSITORIES_FILE: REPOSITORY_FILE } : { ECR_ACCESS_SETTINGS_FILE: SETTINGS_FILE }),
    ECR_ACCESS_APPROVAL_CHANNEL: settings.approvalChannel,
    ...ifSet('ECR_ACCESS_APPROVERS', settings.approvers),
    ...ifSet('ECR_ACCESS_APPROVER_GROUP', settings.approverGroup),
    ECR_ACCESS_APPROVALS: settings.approvals,
    LOG_LEVEL: settings.logLevel,
    ECR_ACCESS_SWEEP_MINUTES: String(settings.sweepMinutes),
    ...ifSet('ECR_ACCESS_MAX_GRANT', settings.maxGrant),
    ECR_ACCESS_REQUIRE_GRANT_END: settings.requireGrantEnd,
    ECR_ACCESS_PENDING_LAPSE: settings.pendingLapse,
    ECR_ACCESS_NUDGE_AFTER_MINUTES: String(settings.nudgeAfterMinutes),
    ECR_ACCESS_REMINDER: settings.reminder,
    // Who owns each account: Organizations, or the accounts file in the bundle (deploy/accounts-file.ts).
    ...ifSet('ECR_ACCESS_ACCOUNTS', settings.accounts === 'file' ? ACCOUNTS_FILE : settings.accounts),
    ...ifSet('ECR_ACCESS_ORGANIZATIONS_ROLE_ARN', settings.organizationsRoleArn),
    ...ifSet('ECR_ACCESS_ORGANIZATION_ONLY', settings.organizationOnly === 'true' ? 'true' : ''),
    // Operations: the metrics' one dimension, and where the jobs that failed every try wait.
    ECR_ACCESS_STAGE: settings.stage,
    ECR_ACCESS_DEAD_LETTER_QUEUE: { Ref: 'DeadLetterQueue' },
  };
}
