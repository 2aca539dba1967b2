/** The streaming reader of CloudTrail log files: see ./reader. */
export * from './reader';
