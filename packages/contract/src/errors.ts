import { type Static, Type } from 'typebox';

/**
 * Every error the API answers, whatever the route and status. The codes and their statuses
 * are one table in the server (apps/server/src/errors.ts, docs/errors.md); clients branch on
 * `code`, never on `message`.
 */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorResponse' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;
