/**
 * Reads and decodes Web API requests as Slack does: form-urlencoded fields (nested values
 * JSON-encoded, which is how @slack/web-api sends them) or a JSON body with a Bearer token.
 */
import type { IncomingMessage } from 'node:http';

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export type DecodedCall =
  | { ok: true; params: Record<string, unknown>; token?: string }
  | { ok: false; error: string };

/** Fields Slack accepts as JSON text inside a form, and the error it names when they don't parse. */
const JSON_FIELDS: Record<string, string> = {
  blocks: 'invalid_blocks_format',
  attachments: 'invalid_attachments',
  metadata: 'invalid_metadata_format',
  view: 'invalid_arguments',
};

export function decodeWebApiCall(request: IncomingMessage, rawBody: string): DecodedCall {
  const query = new URL(request.url ?? '/', 'http://simulator').searchParams;
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const bearer = bearerToken(request.headers.authorization);

  let fields: Record<string, unknown> = Object.fromEntries(query);
  if (contentType === 'application/json') {
    const body = parseJsonObject(rawBody);
    if (!body) return { ok: false, error: 'invalid_json' };
    // Slack reads a JSON body's token only from the Authorization header.
    const { token: _ignored, ...rest } = body;
    fields = { ...fields, ...rest };
  } else if (contentType === 'application/x-www-form-urlencoded' || (contentType === '' && rawBody !== '')) {
    fields = { ...fields, ...Object.fromEntries(new URLSearchParams(rawBody)) };
  } else if (rawBody !== '') {
    return { ok: false, error: 'invalid_form_data' };
  }

  const token = bearer ?? (typeof fields.token === 'string' ? fields.token : undefined);
  const { token: _token, ...params } = fields;
  for (const [field, error] of Object.entries(JSON_FIELDS)) {
    const value = params[field];
    if (typeof value !== 'string') continue;
    const parsed = parseJson(value);
    if (parsed === undefined) return { ok: false, error };
    params[field] = parsed;
  }
  return { ok: true, params, ...(token !== undefined ? { token } : {}) };
}

export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const parsed = parseJson(text);
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}
