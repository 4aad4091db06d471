// The goodtrace command's pieces, for tools and tests that run them in-process.
export { type Command, EXIT, type Io, UsageError } from './command.js';
export { formatAmount } from './format.js';
export { fetchLogDescription, type LogDescription, LogFetchError } from './log-trust.js';
export { commands, main, processIo } from './main.js';
export { checkLines, eventLine, verdictLine } from './verify-receipt.js';
export {
  type RunningWitness,
  startWitness,
  type WitnessOptions,
} from './witness/witness-server.js';
