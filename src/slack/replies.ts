// Where a job's answer goes when it has no response_url: the modal a submission left open (its
// view ID), or the person's direct messages with the app (a click in the Home tab, or a modal
// they closed meanwhile).
import type { webApi } from '@slack/bolt';
import type { Logger } from '../logger';
import { formAnswer } from './blocks/request-form';
import type { PacedChat } from './pacing';
import type { Respond } from './responder';

export interface Replies {
  /** Through a response_url: replacing a command's interim line, or beside the clicked message. */
  readonly respond: Respond;
  /** In the modal still open after a submission; false when it is not open any more. */
  inModal(viewId: string, text: string): Promise<boolean>;
  /** In the person's direct messages with the app. */
  byDm(user: string, text: string): Promise<void>;
}

export function slackReplies(client: webApi.WebClient, chat: PacedChat, respond: Respond, logger: Logger): Replies {
  return {
    respond,
    async inModal(viewId, text) {
      try {
        await client.views.update({ view_id: viewId, view: formAnswer(text) });
        return true;
      } catch (error) {
        // Slack answers not_found for a modal the person closed; the answer then goes by DM.
        logger.info('could not answer in the modal; answering by direct message', { viewId, error });
        return false;
      }
    },
    async byDm(user, text) {
      try {
        await chat.postMessage({ channel: user, text });
      } catch (error) {
        logger.error('could not answer by direct message', { user, error });
      }
    },
  };
}
