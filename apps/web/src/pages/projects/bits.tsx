/**
 * The receipt pages (receipt-page.tsx, donation-page.tsx and fact-checks.tsx, left as they are
 * while verification moves into its own package) still import these from here; each lives in
 * its own module now. Point those imports at the modules and delete this file once that move
 * has landed.
 */
export { useDates } from '../../use-dates';
export { useMoney } from '../../use-money';
export { EvidenceLinks } from './evidence-links';
export { usePayee } from './labels';
export { ReceiptFiles } from './receipt-files';

import './projects.css';
