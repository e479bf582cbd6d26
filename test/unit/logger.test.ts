/**
 * The one structured logger: JSON lines, a level threshold, and secrets masked before writing.
 */
import fc from 'fast-check';
import { createLogger, type LogLevel } from '../../src/logger';
import { EcrAccessError, ErrorCode } from '../../src/errors';

const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const BOT_TOKEN = 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx';

function capture(options: { level?: LogLevel; secrets?: readonly string[] } = {}) {
  const lines: string[] = [];
  const logger = createLogger({ ...options, write: (line) => lines.push(line) });
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes each entry as one line of JSON with level, time and message', () => {
    const { logger, lines } = capture();
    logger.info('request submitted', { requestId: 'r-0123456789', attempts: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(JSON.parse(lines[0] as string)).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      message: 'request submitted',
      requestId: 'r-0123456789',
      attempts: 2,
    });
  });

  it('writes nothing below its level', () => {
    const { logger, lines } = capture({ level: 'warn' });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(['warn', 'error']);
  });

  it('logs at info by default', () => {
    const { logger, lines } = capture();
    logger.debug('hidden');
    logger.info('shown');
    expect(lines).toHaveLength(1);
  });

  it('describes an error by name, message and code', () => {
    const { logger, lines } = capture();
    logger.error('grant failed', { error: new EcrAccessError(ErrorCode.PolicyTooLarge, 'too big') });
    expect(JSON.parse(lines[0] as string).error).toEqual({ name: 'EcrAccessError', message: 'too big', code: ErrorCode.PolicyTooLarge });
  });

  it('adds the fields of the work in progress to every line, asked for as each line is written', () => {
    let current: { function_request_id: string; cold_start: boolean } | undefined;
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line), context: () => current });
    logger.info('before');
    current = { function_request_id: 'req-1', cold_start: true };
    logger.info('during', { requestId: 'r-0123456789' });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.not.objectContaining({ function_request_id: expect.anything() }),
      expect.objectContaining({ message: 'during', function_request_id: 'req-1', cold_start: true, requestId: 'r-0123456789' }),
    ]);
  });

  describe('secrets', () => {
    it('masks a secret it is given after it was made, from then on', () => {
      const { logger, lines } = capture();
      logger.info(`read ${SIGNING_SECRET}`);
      logger.mask([SIGNING_SECRET]);
      logger.info(`read ${SIGNING_SECRET}`, { secret: SIGNING_SECRET });
      expect(lines[0]).toContain(SIGNING_SECRET);
      expect(lines[1]).not.toContain(SIGNING_SECRET);
      expect(JSON.parse(lines[1] as string)).toMatchObject({ message: 'read [redacted]', secret: '[redacted]' });
    });

    it('never writes a secret it was given, in the message or in a field', () => {
      const { logger, lines } = capture({ secrets: [SIGNING_SECRET] });
      logger.info(`signing with ${SIGNING_SECRET}`, { secret: SIGNING_SECRET, nested: { deep: [SIGNING_SECRET] } });
      expect(lines[0]).not.toContain(SIGNING_SECRET);
      expect(lines[0]).toContain('[redacted]');
    });

    it.each(['xoxb', 'xoxp', 'xoxa', 'xoxs', 'xoxr', 'xoxo'])('never writes a token that looks like %s-…', (prefix) => {
      const token = `${prefix}-1234567890-AbCdEf`;
      const { logger, lines } = capture();
      logger.warn(`Slack said invalid_auth for ${token}`, { headers: { authorization: `Bearer ${token}` } });
      expect(lines[0]).not.toContain(token);
      expect(lines[0]).not.toMatch(/xox[abposr]-/);
    });

    it('never writes an app-level token, the one that opens Socket Mode connections', () => {
      const token = 'xapp-1-A0ECRACCESS-1234567890-0a1b2c3d4e5f';
      const { logger, lines } = capture();
      logger.warn('apps.connections.open failed', { headers: { authorization: `Bearer ${token}` } });
      expect(lines[0]).not.toContain(token);
      expect(lines[0]).not.toMatch(/xapp-/);
    });

    it('never writes a token inside an error message', () => {
      const { logger, lines } = capture();
      logger.error('Slack call failed', { error: new Error(`An API error occurred: not_authed (token ${BOT_TOKEN})`) });
      expect(lines[0]).not.toContain(BOT_TOKEN);
    });

    it('never writes a Slack request signature', () => {
      const signature = `v0=${'a1'.repeat(32)}`;
      const { logger, lines } = capture();
      logger.debug('ignored');
      logger.info('bad signature', { 'x-slack-signature': signature });
      expect(lines.join('\n')).not.toContain(signature);
    });

    it('keeps every line JSON after masking', () => {
      const { logger, lines } = capture({ secrets: [SIGNING_SECRET] });
      logger.info(BOT_TOKEN, { token: BOT_TOKEN, secret: SIGNING_SECRET });
      expect(JSON.parse(lines[0] as string)).toMatchObject({ message: '[redacted]', token: '[redacted]', secret: '[redacted]' });
    });

    it('never writes a realistic secret or token, wherever it appears, and every line stays JSON', () => {
      const hexSecret = fc.stringMatching(/^[0-9a-f]{32}$/);
      const token = fc.stringMatching(/^xox[bp]-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24}$/);
      const text = fc.string({ maxLength: 20 });
      fc.assert(
        fc.property(hexSecret, token, text, text, (secret, bot, before, after) => {
          const { logger, lines } = capture({ secrets: [secret] });
          logger.info(`${before}${secret}${after}`, { token: `${before}${bot}`, list: [secret, { bot }] });
          expect(lines[0]).not.toContain(secret);
          expect(lines[0]).not.toContain(bot);
          expect(() => JSON.parse(lines[0] as string)).not.toThrow();
        }),
        { numRuns: 500 },
      );
    });
  });
});
