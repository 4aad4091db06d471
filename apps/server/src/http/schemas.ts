import { Type } from 'typebox';
import { causes } from '../orgs/causes.js';

/** Shared pieces of the API's JSON schemas. */
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

export const Uuid = Type.String({ format: 'uuid' });
export const OrgIdParams = Type.Object({ orgId: Uuid });
export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
export const Cause = Type.Union(causes.map((c) => Type.Literal(c)));
export const Pagination = {
  page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
};

/** Text that must not be blank once trimmed, with a length cap. */
export function Text(maxLength: number, minLength = 1) {
  return Type.String({ minLength, maxLength, pattern: '\\S' });
}

export const User = Type.Object({
  id: Uuid,
  email: Type.String(),
  displayName: Type.String(),
  platformRole: Type.Union([Type.Literal('admin'), Type.Literal('auditor'), Type.Null()]),
});

export const Org = Type.Object({
  id: Uuid,
  name: Type.String(),
  registrationNumber: Type.String(),
  city: Type.String(),
  cause: Type.String(),
  contactEmail: Type.String(),
  contactPhone: Type.Union([Type.String(), Type.Null()]),
  website: Type.Union([Type.String(), Type.Null()]),
  description: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('verified'), Type.Literal('rejected')]),
  createdAt: Type.String(),
  reviewedAt: Type.Union([Type.String(), Type.Null()]),
  rejectionReason: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  myRole: Type.Optional(Type.Union([Type.Literal('owner'), Type.Literal('editor'), Type.Null()])),
});

export const errorResponses = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  429: ErrorResponse,
};

/**
 * A JSON answer whose shape is the return type of the domain function behind the route
 * (documented in docs/money.md); serialised as is.
 */
export function Json(description = 'JSON; see docs/money.md') {
  return Type.Unknown({ description });
}
