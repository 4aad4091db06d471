export { type Allocation, allocateFifo, type Unallocated } from './fifo.js';
export {
  type Books,
  checkInvariants,
  type DisbursementBooks,
  type DonationBooks,
  type LoggedEvent,
  type ProjectBooks,
  Replay,
  replayBooks,
  type Violation,
} from './replay.js';
