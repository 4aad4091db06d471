import { type Static, Type } from 'typebox';

/** /healthz and /readyz (apps/server/src/http/health.ts). */

export const Alive = Type.Object({ status: Type.Literal('ok') });
export type Alive = Static<typeof Alive>;

export const Ready = Type.Object({
  status: Type.Literal('ready'),
  store: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]),
});
export type Ready = Static<typeof Ready>;
