/**
 * chat.postMessage's `metadata`, checked as Slack checks it (docs.slack.dev/messaging/message-metadata):
 * an object with an `event_type` and an `event_payload` object, sent as JSON text in a form or
 * as an object in a JSON body. A malformed one refuses the post; an `event_type` with characters
 * other than letters, digits, `_` and `-` posts the message without it, with a warning.
 */
import type { SimMetadata } from './types';

export type MetadataCheck =
  | { ok: true; metadata?: SimMetadata; warning?: 'invalid_metadata_schema' }
  | { ok: false; error: 'invalid_metadata_format' };

const EVENT_TYPE = /^[A-Za-z0-9_-]+$/;

/** `value` as the request body decoder left it: JSON text already parsed, or undefined when not sent. */
export function checkMetadata(value: unknown): MetadataCheck {
  if (value === undefined) return { ok: true };
  if (!isObject(value) || typeof value.event_type !== 'string' || !isObject(value.event_payload)) {
    return { ok: false, error: 'invalid_metadata_format' };
  }
  if (!EVENT_TYPE.test(value.event_type)) return { ok: true, warning: 'invalid_metadata_schema' };
  return { ok: true, metadata: { event_type: value.event_type, event_payload: structuredClone(value.event_payload) } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
