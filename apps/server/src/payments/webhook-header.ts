import { PaymentSignatureError } from './errors.js';

/**
 * The one value of a signature header. Node lower-cases incoming header names, but a caller
 * may pass its own object, so the name is matched without regard to case. Two values are
 * refused: a proxy that merged two deliveries is not something to guess about.
 */
export function signatureHeader(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string {
  let value = headers[name];
  if (value === undefined) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : headers[key];
  }
  if (Array.isArray(value)) {
    if (value.length !== 1) throw new PaymentSignatureError(`more than one ${name} header`);
    value = value[0];
  }
  if (!value) throw new PaymentSignatureError(`no ${name} header`);
  return value;
}
