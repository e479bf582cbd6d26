/**
 * The trigger_ids the simulator hands out with a slash command, a shortcut or a click, each good
 * for one views.open or views.push within 3 seconds of Slack sending it, as Slack's are.
 */
import { randomBytes } from 'node:crypto';

/** Slack: "Triggers expire in three seconds" (docs.slack.dev/interactivity/handling-user-interaction). */
const TRIGGER_LIFETIME_MS = 3000;

interface Trigger {
  user: string;
  issuedAt: number;
  used: boolean;
  /** The modal the interaction came from, when it came from one: only such a trigger may push. */
  viewId?: string;
}

export type TriggerUse = { ok: true; user: string; viewId?: string } | { ok: false; message: string };

export class Triggers {
  private readonly byId = new Map<string, Trigger>();

  constructor(private readonly now: () => number) {}

  /** Shaped like Slack's: `<digits>.<digits>.<hex>`; opaque to the app. */
  issue(user: string, viewId?: string): string {
    const at = this.now();
    const id = `${Math.floor(at)}.${randomBytes(4).readUInt32BE(0)}.${randomBytes(16).toString('hex')}`;
    this.byId.set(id, { user, issuedAt: at, used: false, ...(viewId !== undefined && { viewId }) });
    return id;
  }

  /** Exchanges a trigger, once, while it is fresh; Slack words a refusal as an `invalid_arguments` message. */
  take(id: string | undefined): TriggerUse {
    const trigger = id === undefined ? undefined : this.byId.get(id);
    if (!trigger || trigger.used) return { ok: false, message: '[ERROR] invalid `trigger_id` [json-pointer:/trigger_id]' };
    // The wording Slack answers an expired trigger with (slackapi/bolt-python#434).
    if (this.now() - trigger.issuedAt > TRIGGER_LIFETIME_MS) return { ok: false, message: '[ERROR] `trigger_id` expired [json-pointer:/trigger_id]' };
    trigger.used = true;
    return { ok: true, user: trigger.user, ...(trigger.viewId !== undefined && { viewId: trigger.viewId }) };
  }
}
