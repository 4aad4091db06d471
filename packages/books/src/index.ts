export {
  ANOMALY_CODES,
  type Anomaly,
  type AnomalyCode,
  type AnomalyOptions,
  budgetLineOverruns,
  findAnomalies,
  IDLE_AFTER_DAYS,
  idleMoney,
  isRoundAmount,
  LARGE_MIN_OTHERS,
  LARGE_SHARE_OF_GOAL,
  LARGE_TIMES_MEDIAN,
  largeDisbursements,
  ROUND_MIN,
  ROUND_UNIT,
  roundDisbursements,
  UNCONFIRMED_AFTER_DAYS,
  unconfirmedDisbursements,
} from './anomalies.js';
export { type Allocation, allocateFifo, type Unallocated } from './fifo.js';
export { hasOpened, type OpenDays, openDays } from './open-days.js';
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
