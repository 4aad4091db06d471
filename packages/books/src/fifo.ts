/** Money of one donation not yet spent, in the order it must be consumed. */
export interface Unallocated {
  donationId: string;
  /** Fen still unallocated. */
  remaining: number;
}

export interface Allocation {
  donationId: string;
  amount: number;
}

/**
 * The rule that makes pooled money followable: a disbursement consumes the oldest unallocated
 * donation amounts first. `queue` is in FIFO order (by paidSeq); it is not modified. Returns
 * the allocations, or null when the queue holds less than `amount`.
 *
 * The server allocates with this function and the replay checks with it, so a donor's trace
 * and an auditor's recomputation cannot disagree by construction.
 */
export function allocateFifo(queue: readonly Unallocated[], amount: number): Allocation[] | null {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new RangeError(`an allocation amount is a positive integer of fen, not ${amount}`);
  }
  const allocations: Allocation[] = [];
  let left = amount;
  for (const item of queue) {
    if (left === 0) break;
    if (item.remaining <= 0) continue;
    const take = Math.min(item.remaining, left);
    allocations.push({ donationId: item.donationId, amount: take });
    left -= take;
  }
  return left === 0 ? allocations : null;
}
