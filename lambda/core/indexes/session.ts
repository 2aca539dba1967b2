import { defineIndex, NO_VALUES } from './define';

/**
 * Systems Manager sessions: `SESSION#<session ID>` holds a session's StartSession, ResumeSession and
 * TerminateSession, so its end is one Query. Internal (read by `trailwatch access`); session IDs
 * keep their case (`<user>-<hex>`).
 */
export const sessionIndex = defineIndex({
  kind: 'session',
  prefix: 'SESSION#',
  valuesOf: (event) => (event.sessionId ? [event.sessionId] : NO_VALUES),
});
