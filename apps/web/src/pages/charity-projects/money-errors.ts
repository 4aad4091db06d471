import { ApiError } from '../../api';
import { type MessageKey, useI18n } from '../../i18n';
import type { YuanError } from './money';

/**
 * The money API's error codes read in this feature's words first (`cp.error.<code>`: "the
 * unspent balance is too small" rather than a generic conflict), then the app's usual ones.
 */
export function useMoneyErrors() {
  const { maybe, errorMessage } = useI18n();
  return (err: unknown) => {
    if (err instanceof ApiError) {
      const own = maybe(`cp.error.${err.code}`);
      if (own) return own;
    }
    return errorMessage(err);
  };
}

/** Why a typed amount was refused, as a message key. */
export const yuanErrorKey: Record<YuanError, MessageKey> = {
  empty: 'validation.required',
  format: 'cp.yuan.format',
  too_small: 'cp.yuan.tooSmall',
  too_large: 'cp.yuan.tooLarge',
};
