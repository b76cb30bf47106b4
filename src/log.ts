import pino, { type Logger } from 'pino';

/**
 * JSON logs. Redaction is a second line of defence: nothing that holds a password, PIN, token or document body is
 * passed to the logger in the first place.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'gateway' },
      redact: { paths: ['password', 'pin', '*.password', '*.pin', 'authorization', '*.authorization', 'document'], censor: '[gizli]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
