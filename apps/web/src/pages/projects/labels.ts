import { useI18n } from '../../i18n';

/** Words for what the API names by a code: a payee's kind, a log event's type. */

/** A payee as the public may see it: a person by kind and region only. */
export function usePayee() {
  const { t, maybe } = useI18n();
  return (p: { kind: string; region: string; name: string | null }) => {
    const kind = maybe(`payee.${p.kind}`) ?? p.kind;
    return p.name
      ? `${p.name} (${kind}, ${p.region})`
      : t('payee.private', { kind, region: p.region });
  };
}

/** The label of a log event type, else the type itself. */
export function useEventType() {
  const { maybe } = useI18n();
  return (type: string) => maybe(`event.${type}`) ?? maybe(`log.type.${type}`) ?? type;
}
