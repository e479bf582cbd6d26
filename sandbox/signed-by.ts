/**
 * Who signed a request, as the emulators tell it: the access key named in the `Credential=` part
 * of a SigV4 Authorization header. The signature itself is not checked; any secret will do.
 */
import type { IncomingMessage } from 'node:http';

const CREDENTIAL = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\//;

/** The access key that signed `request`; undefined for an unsigned one. */
export function accessKeyOf(request: IncomingMessage): string | undefined {
  return CREDENTIAL.exec(String(request.headers.authorization ?? ''))?.[1];
}
