/**
 * GENERATED from db/schema.ts by db/pg-schema-source.ts (`npm run db:generate`): do not edit.
 * The PostgreSQL tables, the same as SQLite's with PostgreSQL's types (see the mapping there).
 */
import { sql } from "drizzle-orm";
import { bigint, boolean, index, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { bytea } from "./pg-types";
import * as S from "./schema";

export const alliances = pgTable(
  "alliances",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    slug: text("slug").notNull().unique(),
    matchSecret: text("match_secret").notNull(),
    requestQuotaPerHour: bigint("request_quota_per_hour", { mode: "number" }),
    demo: boolean("demo").notNull().default(false),
    twoFactorPolicy: text("two_factor_policy", { enum: S.TWO_FACTOR_POLICIES }).notNull().default("off"),
    teamMode: text("team_mode", { enum: S.TEAM_MODES }).notNull().default("across_organisations"),
    frontDoorEnabled: boolean("front_door_enabled").notNull().default(false),
    frontDoorBoardId: text("front_door_board_id"),
    frontDoorSites: text("front_door_sites").notNull().default("[]"),
    frontDoorDailyCap: bigint("front_door_daily_cap", { mode: "number" }).notNull().default(200),
    createdAt: bigint("created_at", { mode: "number" }).notNull().default(sql`(floor(extract(epoch from clock_timestamp()) * 1000))::bigint`),
  },
);

export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    boardId: text("board_id").notNull().references(() => boards.id, { onDelete: "cascade" }),
    requestId: text("request_id"),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    orgId: text("org_id").references(() => organisations.id, { onDelete: "set null" }),
    type: text("type").notNull(),
    data: jsonb("data").$type<NonNullable<(typeof S.auditEvents.$inferSelect)["data"]>>(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("audit_board_idx").on(t.boardId, t.id),
    index("audit_request_idx").on(t.requestId, t.id),
  ],
);

export const boardMoments = pgTable(
  "board_moments",
  {
    id: text("id").primaryKey(),
    boardId: text("board_id").notNull().references(() => boards.id, { onDelete: "cascade" }),
    reason: text("reason", { enum: S.MOMENT_REASONS }).notNull(),
    meetingId: text("meeting_id"),
    data: bytea("data").notNull(),
    lastAuditId: bigint("last_audit_id", { mode: "number" }).notNull().default(0),
    createdByUserId: text("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    at: bigint("at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("board_moments_board_idx").on(t.boardId, t.at),
  ],
);

export const boardSnapshots = pgTable(
  "board_snapshots",
  {
    boardId: text("board_id").primaryKey().references(() => boards.id, { onDelete: "cascade" }),
    data: bytea("data").notNull(),
    lastUpdateId: bigint("last_update_id", { mode: "number" }).notNull(),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
);

export const boardUpdates = pgTable(
  "board_updates",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    boardId: text("board_id").notNull().references(() => boards.id, { onDelete: "cascade" }),
    data: bytea("data").notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("board_updates_board_idx").on(t.boardId, t.id),
  ],
);

export const boards = pgTable(
  "boards",
  {
    id: text("id").primaryKey(),
    allianceId: text("alliance_id").notNull().references(() => alliances.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    claimExpiryDays: bigint("claim_expiry_days", { mode: "number" }).notNull().default(14),
    createdAt: bigint("created_at", { mode: "number" }).notNull().default(sql`(floor(extract(epoch from clock_timestamp()) * 1000))::bigint`),
    archivedAt: bigint("archived_at", { mode: "number" }),
    retentionMonths: bigint("retention_months", { mode: "number" }).notNull().default(12),
    docGeneration: bigint("doc_generation", { mode: "number" }).notNull().default(0),
  },
  (t) => [
    index("boards_alliance_idx").on(t.allianceId),
  ],
);

export const comments = pgTable(
  "comments",
  {
    id: text("id").primaryKey(),
    requestId: text("request_id").notNull().references(() => requests.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    orgId: text("org_id").notNull().references(() => organisations.id),
    body: text("body").notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("comments_request_idx").on(t.requestId, t.createdAt),
  ],
);

export const contactViews = pgTable(
  "contact_views",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    requestId: text("request_id").notNull().references(() => requests.id, { onDelete: "cascade" }),
    boardId: text("board_id").notNull().references(() => boards.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    orgId: text("org_id").references(() => organisations.id, { onDelete: "set null" }),
    action: text("action", { enum: S.CONTACT_VIEW_ACTIONS }).notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("contact_views_request_idx").on(t.requestId, t.createdAt),
  ],
);

export const duplicateDecisions = pgTable(
  "duplicate_decisions",
  {
    boardId: text("board_id").notNull().references(() => boards.id, { onDelete: "cascade" }),
    requestA: text("request_a").notNull(),
    requestB: text("request_b").notNull(),
    decision: text("decision", { enum: ["not_duplicate","merged"] }).notNull(),
    decidedByUserId: text("decided_by_user_id").references(() => users.id, { onDelete: "set null" }),
    decidedAt: bigint("decided_at", { mode: "number" }).notNull(),
  },
  (t) => [
    uniqueIndex("duplicate_pair_idx").on(t.requestA, t.requestB),
  ],
);

export const frontDoorItems = pgTable(
  "front_door_items",
  {
    id: text("id").primaryKey(),
    allianceId: text("alliance_id").notNull().references(() => alliances.id, { onDelete: "cascade" }),
    boardId: text("board_id").notNull().references(() => boards.id, { onDelete: "cascade" }),
    requestId: text("request_id").references(() => requests.id, { onDelete: "set null" }),
    kind: text("kind", { enum: S.FRONT_DOOR_ITEM_KINDS }).notNull(),
    language: text("language").notNull(),
    codeHash: text("code_hash").notNull().unique(),
    addressKey: text("address_key").notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    spamAt: bigint("spam_at", { mode: "number" }),
  },
  (t) => [
    index("front_door_items_alliance_created_idx").on(t.allianceId, t.createdAt),
    index("front_door_items_address_idx").on(t.addressKey, t.createdAt),
    index("front_door_items_request_idx").on(t.requestId),
  ],
);

export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    keyHash: text("key_hash").notNull(),
    fingerprint: text("fingerprint").notNull(),
    requestId: text("request_id").notNull().references(() => requests.id, { onDelete: "cascade" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [
    uniqueIndex("idempotency_keys_user_key_idx").on(t.userId, t.keyHash),
    index("idempotency_keys_created_idx").on(t.createdAt),
  ],
);

export const installation = pgTable(
  "installation",
  {
    key: text("key").primaryKey(),
    value: text("value").notNull(),
  },
);

export const invitations = pgTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    allianceId: text("alliance_id").notNull().references(() => alliances.id, { onDelete: "cascade" }),
    organisationId: text("organisation_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role", { enum: S.ROLES }).notNull(),
    locale: text("locale").notNull().default("nl"),
    tokenHash: text("token_hash").notNull().unique(),
    invitedByUserId: text("invited_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
    lastSentAt: bigint("last_sent_at", { mode: "number" }).notNull(),
    acceptedAt: bigint("accepted_at", { mode: "number" }),
    acceptedUserId: text("accepted_user_id").references(() => users.id, { onDelete: "set null" }),
    withdrawnAt: bigint("withdrawn_at", { mode: "number" }),
  },
  (t) => [
    index("invitations_alliance_idx").on(t.allianceId, t.createdAt),
    index("invitations_email_idx").on(t.email),
  ],
);

export const jobPlaces = pgTable(
  "job_places",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    jobId: text("job_id").notNull().references(() => jobs.id, { onDelete: "cascade" }),
    requestId: text("request_id").notNull().references(() => requests.id, { onDelete: "cascade" }),
    filledByOrgId: text("filled_by_org_id").references(() => organisations.id, { onDelete: "set null" }),
    filledByUserId: text("filled_by_user_id").references(() => users.id, { onDelete: "set null" }),
    filledAt: bigint("filled_at", { mode: "number" }).notNull(),
    endedAt: bigint("ended_at", { mode: "number" }),
    attended: boolean("attended"),
  },
  (t) => [
    index("job_places_job_idx").on(t.jobId),
    uniqueIndex("job_places_one_job_idx").on(t.requestId).where(sql`ended_at IS NULL`),
  ],
);

export const jobs = pgTable(
  "jobs",
  {
    id: text("id").primaryKey().references(() => requests.id, { onDelete: "cascade" }),
    boardId: text("board_id").notNull().references(() => boards.id, { onDelete: "cascade" }),
    orgId: text("org_id").notNull().references(() => organisations.id),
    teamId: text("team_id").references(() => teams.id, { onDelete: "set null" }),
    places: bigint("places", { mode: "number" }).notNull(),
    filled: bigint("filled", { mode: "number" }).notNull().default(0),
    doneAt: bigint("done_at", { mode: "number" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("jobs_board_idx").on(t.boardId),
  ],
);

export const loginChallenges = pgTable(
  "login_challenges",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    redirectTo: text("redirect_to").notNull().default("/boards"),
    failures: bigint("failures", { mode: "number" }).notNull().default(0),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("login_challenges_user_idx").on(t.userId),
  ],
);

export const loginDevices = pgTable(
  "login_devices",
  {
    tokenHash: text("token_hash").notNull(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
  },
  (t) => [
    uniqueIndex("login_devices_pk").on(t.tokenHash, t.userId),
    index("login_devices_user_idx").on(t.userId),
  ],
);

export const mailOutbox = pgTable(
  "mail_outbox",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    key: text("key").notNull().unique(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    html: text("html").notNull(),
    headers: jsonb("headers").$type<NonNullable<(typeof S.mailOutbox.$inferSelect)["headers"]>>(),
    status: text("status", { enum: S.MAIL_STATUSES }).notNull().default("pending"),
    attempts: bigint("attempts", { mode: "number" }).notNull().default(0),
    nextAttemptAt: bigint("next_attempt_at", { mode: "number" }).notNull(),
    leaseUntil: bigint("lease_until", { mode: "number" }),
    lastError: text("last_error"),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    sentAt: bigint("sent_at", { mode: "number" }),
  },
  (t) => [
    index("mail_outbox_due_idx").on(t.status, t.nextAttemptAt),
  ],
);

export const meetingActions = pgTable(
  "meeting_actions",
  {
    id: text("id").primaryKey(),
    meetingId: text("meeting_id").notNull().references(() => meetings.id, { onDelete: "cascade" }),
    boardId: text("board_id").notNull().references(() => boards.id, { onDelete: "cascade" }),
    itemId: text("item_id"),
    requestId: text("request_id").references(() => requests.id, { onDelete: "set null" }),
    orgId: text("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    text: text("text").notNull(),
    due: text("due").notNull(),
    doneAt: bigint("done_at", { mode: "number" }),
    doneByUserId: text("done_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdByUserId: text("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("meeting_actions_org_idx").on(t.orgId, t.doneAt),
    index("meeting_actions_board_idx").on(t.boardId, t.doneAt),
    index("meeting_actions_request_idx").on(t.requestId),
  ],
);

export const meetingAttendees = pgTable(
  "meeting_attendees",
  {
    id: text("id").primaryKey(),
    meetingId: text("meeting_id").notNull().references(() => meetings.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    orgId: text("org_id").references(() => organisations.id, { onDelete: "set null" }),
    source: text("source", { enum: ["presence","manual"] }).notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("meeting_attendees_meeting_idx").on(t.meetingId),
    uniqueIndex("meeting_attendees_user_idx").on(t.meetingId, t.userId),
  ],
);

export const meetingDecisions = pgTable(
  "meeting_decisions",
  {
    id: text("id").primaryKey(),
    meetingId: text("meeting_id").notNull().references(() => meetings.id, { onDelete: "cascade" }),
    itemId: text("item_id"),
    requestId: text("request_id"),
    text: text("text").notNull(),
    createdByUserId: text("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("meeting_decisions_meeting_idx").on(t.meetingId),
  ],
);

export const meetingItems = pgTable(
  "meeting_items",
  {
    id: text("id").primaryKey(),
    meetingId: text("meeting_id").notNull().references(() => meetings.id, { onDelete: "cascade" }),
    order: text("order").notNull(),
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    view: jsonb("view").$type<NonNullable<(typeof S.meetingItems.$inferSelect)["view"]>>(),
    notes: text("notes").notNull().default(""),
    spentMs: bigint("spent_ms", { mode: "number" }).notNull().default(0),
    currentSince: bigint("current_since", { mode: "number" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("meeting_items_meeting_idx").on(t.meetingId),
  ],
);

export const meetings = pgTable(
  "meetings",
  {
    id: text("id").primaryKey(),
    boardId: text("board_id").notNull().references(() => boards.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    scheduledAt: bigint("scheduled_at", { mode: "number" }).notNull(),
    status: text("status", { enum: S.MEETING_STATUSES }).notNull().default("planned"),
    sinceMomentId: text("since_moment_id"),
    startMomentId: text("start_moment_id"),
    endMomentId: text("end_moment_id"),
    facilitatorUserId: text("facilitator_user_id").references(() => users.id, { onDelete: "set null" }),
    currentItemId: text("current_item_id"),
    summary: text("summary").notNull().default(""),
    createdByUserId: text("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    startedAt: bigint("started_at", { mode: "number" }),
    endedAt: bigint("ended_at", { mode: "number" }),
  },
  (t) => [
    index("meetings_board_idx").on(t.boardId, t.scheduledAt),
    uniqueIndex("meetings_one_running_idx").on(t.boardId).where(sql`status = 'running'`),
  ],
);

export const notificationSettings = pgTable(
  "notification_settings",
  {
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: S.NOTIFICATION_KINDS }).notNull(),
    email: boolean("email").notNull(),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [
    uniqueIndex("notification_settings_pk").on(t.userId, t.kind),
  ],
);

export const notifications = pgTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    key: text("key").notNull().unique(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: S.NOTIFICATION_KINDS }).notNull(),
    boardId: text("board_id").references(() => boards.id, { onDelete: "cascade" }),
    requestId: text("request_id"),
    data: jsonb("data").$type<NonNullable<(typeof S.notifications.$inferSelect)["data"]>>(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    readAt: bigint("read_at", { mode: "number" }),
  },
  (t) => [
    index("notifications_user_idx").on(t.userId, t.createdAt),
    index("notifications_unread_idx").on(t.userId, t.readAt),
  ],
);

export const offers = pgTable(
  "offers",
  {
    id: text("id").primaryKey(),
    organisationId: text("organisation_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    category: text("category").notNull(),
    label: text("label").notNull(),
    capacity: bigint("capacity", { mode: "number" }).notNull(),
    area: text("area").notNull().default(""),
    position: bigint("position", { mode: "number" }).notNull().default(0),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("offers_org_idx").on(t.organisationId),
  ],
);

export const organisations = pgTable(
  "organisations",
  {
    id: text("id").primaryKey(),
    allianceId: text("alliance_id").notNull().references(() => alliances.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    shortName: text("short_name").notNull(),
    kind: text("kind").notNull().default("overig"),
    color: text("color").notNull().default("#4a5568"),
    createdAt: bigint("created_at", { mode: "number" }).notNull().default(sql`(floor(extract(epoch from clock_timestamp()) * 1000))::bigint`),
  },
  (t) => [
    index("organisations_alliance_idx").on(t.allianceId),
  ],
);

export const passwordResets = pgTable(
  "password_resets",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
    usedAt: bigint("used_at", { mode: "number" }),
  },
  (t) => [
    index("password_resets_user_idx").on(t.userId),
  ],
);

export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    codeHash: text("code_hash").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    usedAt: bigint("used_at", { mode: "number" }),
  },
  (t) => [
    index("recovery_codes_user_idx").on(t.userId),
  ],
);

export const referenceChecks = pgTable(
  "reference_checks",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    boardId: text("board_id").notNull().references(() => boards.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    orgId: text("org_id").references(() => organisations.id, { onDelete: "set null" }),
    outcome: text("outcome", { enum: S.REFERENCE_CHECK_OUTCOMES }).notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("reference_checks_board_idx").on(t.boardId, t.createdAt),
    index("reference_checks_user_idx").on(t.userId, t.createdAt),
  ],
);

export const referrals = pgTable(
  "referrals",
  {
    id: text("id").primaryKey(),
    requestId: text("request_id").notNull().references(() => requests.id, { onDelete: "cascade" }),
    fromOrgId: text("from_org_id").notNull().references(() => organisations.id),
    toOrgId: text("to_org_id").notNull().references(() => organisations.id),
    note: text("note").notNull().default(""),
    status: text("status", { enum: S.REFERRAL_STATUSES }).notNull().default("pending"),
    reason: text("reason"),
    createdByUserId: text("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    decidedByUserId: text("decided_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    decidedAt: bigint("decided_at", { mode: "number" }),
  },
  (t) => [
    index("referrals_to_idx").on(t.toOrgId, t.status),
    uniqueIndex("referrals_one_pending_idx").on(t.requestId).where(sql`status = 'pending'`),
  ],
);

export const requestContacts = pgTable(
  "request_contacts",
  {
    requestId: text("request_id").primaryKey().references(() => requests.id, { onDelete: "cascade" }),
    boardId: text("board_id").notNull().references(() => boards.id, { onDelete: "cascade" }),
    sealed: bytea("sealed").notNull(),
    consent: boolean("consent").notNull().default(false),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
    updatedByUserId: text("updated_by_user_id").references(() => users.id, { onDelete: "set null" }),
    updatedByOrgId: text("updated_by_org_id").references(() => organisations.id, { onDelete: "set null" }),
  },
  (t) => [
    index("request_contacts_board_idx").on(t.boardId),
  ],
);

export const requests = pgTable(
  "requests",
  {
    id: text("id").primaryKey(),
    boardId: text("board_id").notNull().references(() => boards.id, { onDelete: "cascade" }),
    createdByUserId: text("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdByOrgId: text("created_by_org_id").notNull().references(() => organisations.id),
    reference: text("reference"),
    referenceKey: text("reference_key"),
    ownerOrgId: text("owner_org_id").references(() => organisations.id),
    claimedAt: bigint("claimed_at", { mode: "number" }),
    mergedInto: text("merged_into"),
    importId: text("import_id"),
    anonymisedAt: bigint("anonymised_at", { mode: "number" }),
    lastActivityAt: bigint("last_activity_at", { mode: "number" }).notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("requests_board_idx").on(t.boardId),
    index("requests_owner_idx").on(t.ownerOrgId),
    index("requests_refkey_idx").on(t.boardId, t.referenceKey),
    index("requests_org_created_idx").on(t.createdByOrgId, t.createdAt),
  ],
);

export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull().default(sql`(floor(extract(epoch from clock_timestamp()) * 1000))::bigint`),
    expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
    userAgent: text("user_agent"),
    lastSeenAt: bigint("last_seen_at", { mode: "number" }),
  },
  (t) => [
    index("sessions_user_idx").on(t.userId),
  ],
);

export const teamOrganisations = pgTable(
  "team_organisations",
  {
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    organisationId: text("organisation_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
  },
  (t) => [
    uniqueIndex("team_organisations_pk").on(t.teamId, t.organisationId),
    index("team_organisations_org_idx").on(t.organisationId),
  ],
);

export const teams = pgTable(
  "teams",
  {
    id: text("id").primaryKey(),
    allianceId: text("alliance_id").notNull().references(() => alliances.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    area: text("area"),
    organisationId: text("organisation_id").references(() => organisations.id, { onDelete: "set null" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull().default(sql`(floor(extract(epoch from clock_timestamp()) * 1000))::bigint`),
  },
  (t) => [
    index("teams_alliance_idx").on(t.allianceId),
  ],
);

export const unsubscribeTokens = pgTable(
  "unsubscribe_tokens",
  {
    token: text("token").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: S.NOTIFICATION_KINDS }).notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [
    uniqueIndex("unsubscribe_tokens_user_kind").on(t.userId, t.kind),
  ],
);

export const userTwoFactor = pgTable(
  "user_two_factor",
  {
    userId: text("user_id").primaryKey().references(() => users.id, { onDelete: "cascade" }),
    secret: bytea("secret"),
    pendingSecret: bytea("pending_secret"),
    pendingAt: bigint("pending_at", { mode: "number" }),
    enabledAt: bigint("enabled_at", { mode: "number" }),
    disabledAt: bigint("disabled_at", { mode: "number" }),
    lastStep: bigint("last_step", { mode: "number" }).notNull().default(0),
  },
);

export const users = pgTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull().unique(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    organisationId: text("organisation_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    role: text("role", { enum: S.ROLES }).notNull().default("member"),
    mustChangePassword: boolean("must_change_password").notNull().default(false),
    locale: text("locale").notNull().default("nl"),
    homeOrganisationId: text("home_organisation_id").references(() => organisations.id, { onDelete: "set null" }),
    createdAt: bigint("created_at", { mode: "number" }).notNull().default(sql`(floor(extract(epoch from clock_timestamp()) * 1000))::bigint`),
    disabledAt: bigint("disabled_at", { mode: "number" }),
  },
  (t) => [
    index("users_org_idx").on(t.organisationId),
  ],
);
