/**
 * The date check AWS makes on every SigV4-signed request: the signing time (X-Amz-Date, or the
 * Date header when there is none) must lie within the signature lifetime of AWS's own clock.
 */
import type { IncomingMessage } from 'node:http';
import { incompleteSignature, invalidSignature } from './errors';
import { header } from './wire';

/** AWS's: a signed request is good for five minutes either side of AWS's clock. */
export const AWS_SIGNATURE_LIFETIME_MS = 5 * 60_000;

const BASIC_FORMAT = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** A time the way SigV4 writes it, e.g. 20261201T030000Z (whole seconds, UTC). */
function basicFormat(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}/, '').replace(/[-:]/g, '');
}

function parseBasicFormat(value: string): number | undefined {
  const fields = BASIC_FORMAT.exec(value)?.slice(1).map(Number);
  if (!fields) return undefined;
  const [year = 0, month = 0, day = 0, hours = 0, minutes = 0, seconds = 0] = fields;
  const epochMs = Date.UTC(year, month - 1, day, hours, minutes, seconds);
  // Date.UTC rolls a 13th month or a 32nd day over into a real date: one that does not print back is not a date.
  return basicFormat(epochMs) === value ? epochMs : undefined;
}

/** When the request says it was signed (epoch ms); a signed request without a usable date is refused as AWS refuses it. */
export function signingTime(request: IncomingMessage): number {
  const amzDate = header(request, 'x-amz-date');
  if (amzDate !== undefined) {
    const signedAt = parseBasicFormat(amzDate);
    if (signedAt === undefined) {
      throw incompleteSignature(
        `Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      );
    }
    return signedAt;
  }
  const signedAt = Date.parse(header(request, 'date') ?? '');
  if (Number.isNaN(signedAt)) {
    throw incompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  return signedAt;
}

const lifetimeInWords = (lifetimeMs: number): string =>
  lifetimeMs % 60_000 === 0 ? `${lifetimeMs / 60_000} min.` : `${lifetimeMs / 1000} sec.`;

/** Refuses, in AWS's words, a request signed more than `lifetimeMs` before or after `now`. */
export function assertSignatureCurrent(signedAt: number, now: number, lifetimeMs: number): void {
  const signed = basicFormat(signedAt);
  const clock = basicFormat(now);
  const lifetime = lifetimeInWords(lifetimeMs);
  if (signedAt < now - lifetimeMs) {
    throw invalidSignature(
      `Signature expired: ${signed} is now earlier than ${basicFormat(now - lifetimeMs)} (${clock} - ${lifetime})`,
    );
  }
  if (signedAt > now + lifetimeMs) {
    throw invalidSignature(
      `Signature not yet current: ${signed} is still later than ${basicFormat(now + lifetimeMs)} (${clock} + ${lifetime})`,
    );
  }
}
