import { type Static, Type } from 'typebox';
import { Cause, Email, Nullable, Page, PageQuery, Text, Timestamp, Uuid } from './values.js';

/** Charities: registration, review, the directory, members and invitations (apps/server/src/orgs/). */

export const OrgStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('verified'),
  Type.Literal('rejected'),
]);
export type OrgStatus = Static<typeof OrgStatus>;

export const OrgRole = Type.Union([Type.Literal('owner'), Type.Literal('editor')]);
export type OrgRole = Static<typeof OrgRole>;

export const Org = Type.Object({
  id: Uuid,
  name: Type.String(),
  registrationNumber: Type.String(),
  city: Type.String(),
  cause: Cause,
  contactEmail: Type.String(),
  contactPhone: Nullable(Type.String()),
  website: Nullable(Type.String()),
  description: Type.String(),
  status: OrgStatus,
  createdAt: Timestamp,
  reviewedAt: Nullable(Timestamp),
  /** Shown to the charity's members and staff only. */
  rejectionReason: Type.Optional(Nullable(Type.String())),
  /** The caller's role in this charity, where the answer is about the caller. */
  myRole: Type.Optional(Nullable(OrgRole)),
});
export type Org = Static<typeof Org>;

export const OrgPage = Page(Org);
export const OrgList = Type.Array(Org);

/** What a charity declares about itself when it registers (and edits later). */
export const OrgFields = {
  name: Text(120, 2),
  registrationNumber: Type.String({
    minLength: 4,
    maxLength: 40,
    pattern: '^[A-Za-z0-9][A-Za-z0-9-]*$',
  }),
  city: Text(64),
  cause: Cause,
  contactEmail: Email,
  contactPhone: Type.Optional(Nullable(Type.String({ maxLength: 32, pattern: '^[0-9+() -]*$' }))),
  website: Type.Optional(Nullable(Type.String({ maxLength: 200, pattern: '^https?://' }))),
  description: Text(4000, 10),
};

export const RegisterOrgBody = Type.Object(OrgFields, { additionalProperties: false });
export type RegisterOrgBody = Static<typeof RegisterOrgBody>;

export const UpdateOrgBody = Type.Partial(Type.Object(OrgFields), {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateOrgBody = Static<typeof UpdateOrgBody>;

export const OrgIdParams = Type.Object({ orgId: Uuid });
export const OrgInvitationParams = Type.Object({ orgId: Uuid, invitationId: Uuid });
export const OrgMemberParams = Type.Object({ orgId: Uuid, userId: Uuid });
export const InvitationIdParams = Type.Object({ invitationId: Uuid });

export const OrgSearchQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100 })),
  city: Type.Optional(Type.String({ maxLength: 64 })),
  cause: Type.Optional(Cause),
  ...PageQuery.properties,
});
export type OrgSearchQuery = Static<typeof OrgSearchQuery>;

/** The platform's review queue. */
export const ReviewQueueQuery = Type.Object({
  status: Type.Union(OrgStatus.anyOf, { default: 'pending' }),
  q: Type.Optional(Type.String({ maxLength: 100 })),
  ...PageQuery.properties,
});
export type ReviewQueueQuery = Static<typeof ReviewQueueQuery>;

export const RejectOrgBody = Type.Object(
  { reason: Text(1000, 5) },
  { additionalProperties: false },
);
export type RejectOrgBody = Static<typeof RejectOrgBody>;

export const OrgReview = Type.Object({
  decision: Type.Union([
    Type.Literal('verified'),
    Type.Literal('rejected'),
    Type.Literal('resubmitted'),
  ]),
  reason: Nullable(Type.String()),
  at: Timestamp,
});
export type OrgReview = Static<typeof OrgReview>;
export const OrgReviews = Type.Array(OrgReview);

export const Member = Type.Object({
  userId: Uuid,
  email: Type.String(),
  displayName: Type.String(),
  role: OrgRole,
  joinedAt: Timestamp,
});
export type Member = Static<typeof Member>;

export const Invitation = Type.Object({
  id: Uuid,
  orgId: Uuid,
  orgName: Type.String(),
  email: Type.String(),
  role: OrgRole,
  invitedBy: Type.String(),
  createdAt: Timestamp,
});
export type Invitation = Static<typeof Invitation>;
export const Invitations = Type.Array(Invitation);

export const OrgMembers = Type.Object({
  members: Type.Array(Member),
  invitations: Type.Array(Invitation),
});
export type OrgMembers = Static<typeof OrgMembers>;

export const InviteBody = Type.Object(
  { email: Email, role: OrgRole },
  { additionalProperties: false },
);
export type InviteBody = Static<typeof InviteBody>;

export const InvitationCreated = Type.Object({
  id: Uuid,
  email: Type.String(),
  role: OrgRole,
  createdAt: Timestamp,
});
export type InvitationCreated = Static<typeof InvitationCreated>;

export const InvitationAccepted = Type.Object({ orgId: Uuid, role: OrgRole });
export type InvitationAccepted = Static<typeof InvitationAccepted>;
