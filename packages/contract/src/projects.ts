import { type Static, Type } from 'typebox';
import {
  Cause,
  Fen,
  IsoDate,
  Items,
  Money,
  Nullable,
  Page,
  PageQuery,
  Sha256,
  Text,
  Timestamp,
  Uuid,
} from './values.js';

/** Projects: drafts, publication, budgets, the public pages (apps/server/src/projects/). */

export const ProjectStatus = Type.Union([
  Type.Literal('draft'),
  Type.Literal('published'),
  Type.Literal('closed'),
]);
export type ProjectStatus = Static<typeof ProjectStatus>;

export const ProjectSort = Type.Union([
  Type.Literal('newest'),
  Type.Literal('most_funded'),
  Type.Literal('closing_soon'),
]);
export type ProjectSort = Static<typeof ProjectSort>;

/** A project as lists show it, with its money so far (fen). */
export const ProjectSummary = Type.Object({
  id: Uuid,
  orgId: Uuid,
  orgName: Type.String(),
  title: Type.String(),
  summary: Type.String(),
  cause: Cause,
  city: Type.String(),
  region: Type.String(),
  goal: Money,
  /** Paid donations less refunds. */
  raised: Fen,
  spent: Fen,
  /** Spent and confirmed by the beneficiary. */
  confirmed: Fen,
  unspent: Fen,
  /** Spent money of donations taken back since: what the charity owes (docs/money.md). */
  owed: Fen,
  donations: Type.Integer({ minimum: 0 }),
  startDate: IsoDate,
  endDate: IsoDate,
  coverUrl: Nullable(Type.String()),
  status: ProjectStatus,
  publishedAt: Nullable(Timestamp),
});
export type ProjectSummary = Static<typeof ProjectSummary>;

export const BudgetLine = Type.Object({
  id: Uuid,
  label: Type.String(),
  amount: Fen,
  spent: Fen,
  /** Dropped from the budget after money was spent from it: kept for the record. */
  removed: Type.Boolean(),
});
export type BudgetLine = Static<typeof BudgetLine>;

/** raised → allocated → spent → confirmed, and what is unspent (docs/money.md). */
export const ProjectFlow = Type.Object({
  raised: Fen,
  refunded: Fen,
  allocated: Fen,
  spent: Fen,
  confirmed: Fen,
  unspent: Fen,
  /** Spent money of donations taken back since: what the charity owes (docs/money.md). */
  owed: Fen,
  /** Disbursements the beneficiary has not confirmed within 30 days. */
  overdue: Type.Object({ count: Type.Integer({ minimum: 0 }), amount: Fen }),
});
export type ProjectFlow = Static<typeof ProjectFlow>;

/** One of the project's events on the log. */
export const ProjectLogEvent = Type.Object({
  type: Type.String(),
  at: Timestamp,
  outboxId: Type.String(),
  /** Its index on the log, or null while it waits for the sequencer. */
  index: Nullable(Type.Integer({ minimum: 0 })),
});
export type ProjectLogEvent = Static<typeof ProjectLogEvent>;

/** A project with everything its page shows; the charity's pages get the same, drafts too. */
export const ProjectDetail = Type.Object({
  ...ProjectSummary.properties,
  story: Type.String(),
  beneficiaryDescription: Type.String(),
  budget: Type.Array(BudgetLine),
  flow: ProjectFlow,
  events: Type.Array(ProjectLogEvent),
});
export type ProjectDetail = Static<typeof ProjectDetail>;

export const ProjectPage = Page(ProjectSummary);
export const OrgProjects = Items(ProjectSummary);

export const ProjectIdParams = Type.Object({ projectId: Uuid });
export const OrgProjectParams = Type.Object({ orgId: Uuid, projectId: Uuid });

export const ProjectSearchQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100 })),
  cause: Type.Optional(Cause),
  city: Type.Optional(Type.String({ maxLength: 64 })),
  orgId: Type.Optional(Uuid),
  sort: Type.Optional(ProjectSort),
  ...PageQuery.properties,
});
export type ProjectSearchQuery = Static<typeof ProjectSearchQuery>;

/** A budget line as a charity writes it; `id` keeps an existing line when editing. */
export const BudgetLineInput = Type.Object(
  {
    id: Type.Optional(Uuid),
    label: Text(80),
    amount: Type.Integer({ description: 'In fen' }),
  },
  { additionalProperties: false },
);
export type BudgetLineInput = Static<typeof BudgetLineInput>;

export const ProjectFields = {
  title: Text(120, 2),
  summary: Text(300, 10),
  story: Text(10_000, 10),
  cause: Cause,
  city: Text(64),
  region: Text(64),
  beneficiaryDescription: Text(2000, 3),
  goal: Money,
  budget: Type.Array(BudgetLineInput, { minItems: 1, maxItems: 50 }),
  startDate: IsoDate,
  endDate: IsoDate,
  coverSha256: Type.Optional(Nullable(Sha256)),
};

export const CreateProjectBody = Type.Object(ProjectFields, { additionalProperties: false });
export type CreateProjectBody = Static<typeof CreateProjectBody>;

/**
 * Any part of a project, at least one; a published project's budget change needs its reason.
 * Type.Partial drops the options of the object it is given: they go on the result.
 */
export const UpdateProjectBody = Type.Partial(
  Type.Object({ ...ProjectFields, budgetChangeReason: Text(500) }),
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateProjectBody = Static<typeof UpdateProjectBody>;
