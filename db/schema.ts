/**
 * The relational half of Alliantiebord. The shared board document (Yjs) holds
 * what everybody on a board may see and edit together; everything that decides
 * who may do what, or that is personal, lives here: accounts, sessions,
 * ownership of requests (claims, referrals), pseudonymous references, audit.
 */
import { sql } from "drizzle-orm";
import { blob, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

export const TWO_FACTOR_POLICIES = ["off", "coordinators", "everyone"] as const;
/**
 * How the alliance's local teams (Aan de Slag: COA, volunteer centre,
 * municipality) work on its boards: `across_organisations` (a team groups
 * existing organisations; any member of them acts for the team's jobs) or
 * `one_organisation` (the team is an organisation of its own that people
 * from the partners are invited into, their home organisation beside
 * their name).
 */
export const TEAM_MODES = ["across_organisations", "one_organisation"] as const;
export type TeamMode = (typeof TEAM_MODES)[number];
export type TwoFactorPolicy = (typeof TWO_FACTOR_POLICIES)[number];

export const alliances = sqliteTable("alliances", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  /** Per-alliance secret for keyed hashes of references (matching, issue 4). Never leaves the server. */
  matchSecret: text("match_secret").notNull(),
  /**
   * Requests each organisation may create per hour on this alliance's boards;
   * null means the server's REQUESTS_PER_ORG_PER_HOUR. A coordinator lifts it.
   */
  requestQuotaPerHour: integer("request_quota_per_hour"),
  /** The demo alliance (AVE Emmen) that `npm run setup` seeds: `npm run demo -- remove` erases exactly this one. */
  demo: integer("demo", { mode: "boolean" }).notNull().default(false),
  /**
   * Who must log in with a second step (TOTP, issue 14): nobody demanded
   * (`off`: each person chooses), the coordinators, or everyone. A person
   * who must and has not set it up can do nothing else until they have.
   */
  twoFactorPolicy: text("two_factor_policy", { enum: TWO_FACTOR_POLICIES }).notNull().default("off"),
  /** How local teams work (TEAM_MODES); a coordinator chooses on /beheer. */
  teamMode: text("team_mode", { enum: TEAM_MODES }).notNull().default("across_organisations"),
  /**
   * The public front door (issue 15, /hulp/<slug>): off until a coordinator
   * switches it on and picks the board it feeds (its Nieuw column).
   */
  frontDoorEnabled: integer("front_door_enabled", { mode: "boolean" }).notNull().default(false),
  /** The board it feeds (no foreign key: boards reference alliances); checked live on every submission. */
  frontDoorBoardId: text("front_door_board_id"),
  /** JSON array of the origins (https://site.example) whose pages may post to the JSON endpoint (CORS). */
  frontDoorSites: text("front_door_sites").notNull().default("[]"),
  /**
   * Items the public front door (/hulp/<slug>, issue 15) takes per calendar
   * day (Amsterdam) for this alliance; past it every submission is refused
   * with 429 `daily_cap` until midnight. A coordinator changes it.
   */
  frontDoorDailyCap: integer("front_door_daily_cap").notNull().default(200),
  createdAt: integer("created_at").notNull().default(now),
});

export const organisations = sqliteTable(
  "organisations",
  {
    id: text("id").primaryKey(),
    allianceId: text("alliance_id")
      .notNull()
      .references(() => alliances.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    shortName: text("short_name").notNull(),
    kind: text("kind").notNull().default("overig"),
    color: text("color").notNull().default("#4a5568"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("organisations_alliance_idx").on(t.allianceId)],
);

export const ROLES = ["coordinator", "member", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull().unique(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    organisationId: text("organisation_id")
      .notNull()
      .references(() => organisations.id, { onDelete: "cascade" }),
    /** Role within the organisation's alliance. */
    role: text("role", { enum: ROLES }).notNull().default("member"),
    mustChangePassword: integer("must_change_password", { mode: "boolean" }).notNull().default(false),
    /** The person's language for mails and (once logged in) pages: nl or en. */
    locale: text("locale").notNull().default("nl"),
    /**
     * For a person in a team's own organisation (team mode
     * `one_organisation`): the partner organisation they come from (COA,
     * the volunteer centre…), shown beside their name. Null otherwise.
     */
    homeOrganisationId: text("home_organisation_id").references(() => organisations.id, { onDelete: "set null" }),
    createdAt: integer("created_at").notNull().default(now),
    disabledAt: integer("disabled_at"),
  },
  (t) => [index("users_org_idx").on(t.organisationId)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    /** SHA-256 of the cookie token: a stolen database does not yield live sessions. */
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull().default(now),
    expiresAt: integer("expires_at").notNull(),
    /** The browser's User-Agent at login (cut to 400 characters), shown as "Firefox op Windows" on /account. */
    userAgent: text("user_agent"),
    /** When the session was last used (updated at most once a minute); null until then. */
    lastSeenAt: integer("last_seen_at"),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/**
 * A person's two-factor login (TOTP, RFC 6238; app/services/two-factor.server.ts).
 * The secret is sealed with DATA_KEY (app/services/seal.server.ts, bound to
 * `totp:<userId>`), never stored in the clear. `pendingSecret` is the one
 * shown as a QR code until the person confirms it with a code. `lastStep`
 * is the time step of the last code accepted: a code of that step or an
 * earlier one is refused, so a code works once. Turning it off keeps the
 * row with `enabledAt` null and `disabledAt` set (the person's export says when).
 */
export const userTwoFactor = sqliteTable("user_two_factor", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  secret: blob("secret", { mode: "buffer" }),
  pendingSecret: blob("pending_secret", { mode: "buffer" }),
  pendingAt: integer("pending_at"),
  enabledAt: integer("enabled_at"),
  disabledAt: integer("disabled_at"),
  lastStep: integer("last_step").notNull().default(0),
});

/** Recovery codes of a two-factor login: only a SHA-256 of each, used once (`usedAt` set by the statement that checks it). */
export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    codeHash: text("code_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("recovery_codes_user_idx").on(t.userId)],
);

/**
 * A login halfway: the password was right, the second step is still owed.
 * Only the SHA-256 of the token in the browser's `ab_2fa` cookie is kept; it
 * lives 10 minutes, allows a few wrong codes, and no session exists until
 * it is passed.
 */
export const loginChallenges = sqliteTable(
  "login_challenges",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    redirectTo: text("redirect_to").notNull().default("/boards"),
    failures: integer("failures").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("login_challenges_user_idx").on(t.userId)],
);

/**
 * "Wachtwoord vergeten?" links: only the SHA-256 of the token is kept, valid
 * one hour, used once (`used_at` set in the same statement that checks it).
 */
export const passwordResets = sqliteTable(
  "password_resets",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("password_resets_user_idx").on(t.userId)],
);

export const boards = sqliteTable(
  "boards",
  {
    id: text("id").primaryKey(),
    allianceId: text("alliance_id")
      .notNull()
      .references(() => alliances.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** Days without activity after which a claim returns to open (issue 3). */
    claimExpiryDays: integer("claim_expiry_days").notNull().default(14),
    createdAt: integer("created_at").notNull().default(now),
    /**
     * When a coordinator archived the board: from then on it is read-only for
     * everyone (sync server, API, pages) until it is put back (null).
     */
    archivedAt: integer("archived_at"),
    /**
     * Months a request stays as it was once it is done or archived; then the
     * daily retention sweep anonymises it (app/services/retention.server.ts).
     */
    retentionMonths: integer("retention_months").notNull().default(12),
    /**
     * Which build of the board's Yjs document is current. A rebuild (an
     * erasure, the retention sweep) stores a fresh document made from plain
     * data and bumps this: a client holding a copy of an older generation is
     * refused (close 4410) and loads the board again, so it cannot bring
     * erased text back.
     */
    docGeneration: integer("doc_generation").notNull().default(0),
  },
  (t) => [index("boards_alliance_idx").on(t.allianceId)],
);

/** Append-only log of Yjs updates, committed before they are broadcast. */
export const boardUpdates = sqliteTable(
  "board_updates",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    boardId: text("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    data: blob("data", { mode: "buffer" }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("board_updates_board_idx").on(t.boardId, t.id)],
);

/** The compacted document: the update log up to `lastUpdateId` applied and re-encoded. */
export const boardSnapshots = sqliteTable("board_snapshots", {
  boardId: text("board_id")
    .primaryKey()
    .references(() => boards.id, { onDelete: "cascade" }),
  data: blob("data", { mode: "buffer" }).notNull(),
  lastUpdateId: integer("last_update_id").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * One row per card: who entered it, who holds it, and the pseudonymous client
 * reference, which is never written into the shared document.
 */
export const requests = sqliteTable(
  "requests",
  {
    id: text("id").primaryKey(),
    boardId: text("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    createdByUserId: text("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdByOrgId: text("created_by_org_id")
      .notNull()
      .references(() => organisations.id),
    /** Pseudonymous reference as the organisation typed it (shown only to that organisation, later also the holder). */
    reference: text("reference"),
    /** Keyed hash of the normalised reference, for duplicate detection (issue 4). */
    referenceKey: text("reference_key"),
    ownerOrgId: text("owner_org_id").references(() => organisations.id),
    claimedAt: integer("claimed_at"),
    /** When a coordinator merged this request into another (duplicate), that one's id. */
    mergedInto: text("merged_into"),
    /**
     * The import (one upload of a CSV or XLSX list) that created this request,
     * or null for one entered by hand. The hourly quota counts one import as
     * one operation (db/limits.ts); imported rows have their own cap.
     */
    importId: text("import_id"),
    /**
     * When the retention sweep anonymised the request (its title became its
     * category, its texts, reference, contact and comments went); null while
     * it is as entered. An anonymised request is never processed again.
     */
    anonymisedAt: integer("anonymised_at"),
    lastActivityAt: integer("last_activity_at").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("requests_board_idx").on(t.boardId),
    index("requests_owner_idx").on(t.ownerOrgId),
    index("requests_refkey_idx").on(t.boardId, t.referenceKey),
    // The hourly quota counts an organisation's newest requests.
    index("requests_org_created_idx").on(t.createdByOrgId, t.createdAt),
  ],
);

/**
 * A request created with an idempotency key (the API's `Idempotency-Key`
 * header, the new-request form's hidden `idempotencyKey`): sent again with
 * the same key — the answer was lost to a restart, a failover or the
 * network — it is answered with the request this row names instead of
 * making a second one. Written in the request row's own transaction, so a
 * create that committed always has its key. Only keyed hashes are kept (HMAC
 * with the alliance's secret: a client may put anything in the key, and the
 * fields may hold a short reference), of the key and of what was sent (the
 * same key with other fields is refused); a key counts 24 hours and its row
 * goes in the sessions sweep, or with the request or the person.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** HMAC-SHA-256 of the key as sent, keyed with the alliance's secret. */
    keyHash: text("key_hash").notNull(),
    /** HMAC-SHA-256 of the board and the request's fields as sent (decision 005). */
    fingerprint: text("fingerprint").notNull(),
    requestId: text("request_id")
      .notNull()
      .references(() => requests.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("idempotency_keys_user_key_idx").on(t.userId, t.keyHash), index("idempotency_keys_created_idx").on(t.createdAt)],
);

export const REFERRAL_STATUSES = ["pending", "accepted", "declined", "revoked"] as const;

export const referrals = sqliteTable(
  "referrals",
  {
    id: text("id").primaryKey(),
    requestId: text("request_id")
      .notNull()
      .references(() => requests.id, { onDelete: "cascade" }),
    fromOrgId: text("from_org_id")
      .notNull()
      .references(() => organisations.id),
    toOrgId: text("to_org_id")
      .notNull()
      .references(() => organisations.id),
    note: text("note").notNull().default(""),
    status: text("status", { enum: REFERRAL_STATUSES }).notNull().default("pending"),
    reason: text("reason"),
    createdByUserId: text("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    decidedByUserId: text("decided_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: integer("created_at").notNull(),
    decidedAt: integer("decided_at"),
  },
  (t) => [
    index("referrals_to_idx").on(t.toOrgId, t.status),
    // At most one pending referral per request, enforced by SQLite itself.
    uniqueIndex("referrals_one_pending_idx").on(t.requestId).where(sql`status = 'pending'`),
  ],
);

export const comments = sqliteTable(
  "comments",
  {
    id: text("id").primaryKey(),
    requestId: text("request_id")
      .notNull()
      .references(() => requests.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    orgId: text("org_id")
      .notNull()
      .references(() => organisations.id),
    body: text("body").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("comments_request_idx").on(t.requestId, t.createdAt)],
);

/** Append-only: who did what to which request, when. Never updated, erased with its board. */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    boardId: text("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    requestId: text("request_id"),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    orgId: text("org_id").references(() => organisations.id, { onDelete: "set null" }),
    type: text("type").notNull(),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("audit_board_idx").on(t.boardId, t.id), index("audit_request_idx").on(t.requestId, t.id)],
);

/** What an organisation offers per category, kept current from its own page ("5 taalmaatjes vrij"). */
export const offers = sqliteTable(
  "offers",
  {
    id: text("id").primaryKey(),
    organisationId: text("organisation_id")
      .notNull()
      .references(() => organisations.id, { onDelete: "cascade" }),
    category: text("category").notNull(),
    label: text("label").notNull(),
    capacity: integer("capacity").notNull(),
    area: text("area").notNull().default(""),
    /** Its place in the organisation's list as the organisation entered it (ids are random: no other order is theirs). */
    position: integer("position").notNull().default(0),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("offers_org_idx").on(t.organisationId)],
);

/** A coordinator's decision on a pair of possible duplicates: merged, or "geen dubbel". */
export const duplicateDecisions = sqliteTable(
  "duplicate_decisions",
  {
    boardId: text("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    /** The pair, smaller id first. */
    requestA: text("request_a").notNull(),
    requestB: text("request_b").notNull(),
    decision: text("decision", { enum: ["not_duplicate", "merged"] }).notNull(),
    decidedByUserId: text("decided_by_user_id").references(() => users.id, { onDelete: "set null" }),
    decidedAt: integer("decided_at").notNull(),
  },
  (t) => [uniqueIndex("duplicate_pair_idx").on(t.requestA, t.requestB)],
);

/**
 * Every reference check ("werkt iemand al voor deze persoon?") asked before a
 * request is saved: who asked, for which organisation and board, when, and the
 * outcome. Never the reference itself, nor a hash of it: the log says how
 * often someone probed, not for whom.
 */
export const REFERENCE_CHECK_OUTCOMES = ["match", "no_match", "rate_limited"] as const;

export const referenceChecks = sqliteTable(
  "reference_checks",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    boardId: text("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    orgId: text("org_id").references(() => organisations.id, { onDelete: "set null" }),
    outcome: text("outcome", { enum: REFERENCE_CHECK_OUTCOMES }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("reference_checks_board_idx").on(t.boardId, t.createdAt), index("reference_checks_user_idx").on(t.userId, t.createdAt)],
);

/**
 * Browsers that logged into an account before ("device cookies", OWASP): the
 * SHA-256 of the random token in the `ab_device` cookie and the account it
 * logged into. A known browser is not held up by the throttling that guards
 * the account against strangers (app/services/auth.server.ts).
 */
export const loginDevices = sqliteTable(
  "login_devices",
  {
    tokenHash: text("token_hash").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [uniqueIndex("login_devices_pk").on(t.tokenHash, t.userId), index("login_devices_user_idx").on(t.userId)],
);

/**
 * Outgoing mail (server/mail/worker.ts sends it): one row per mail, `key`
 * unique so the same notification is never queued twice. The subject and
 * bodies are erased once the mail is sent or given up (a password-reset link
 * must not outlive its sending in the database); key, recipient, status and
 * times stay as the record of what was sent.
 */
export const MAIL_STATUSES = ["pending", "sending", "sent", "failed"] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

export const mailOutbox = sqliteTable(
  "mail_outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    key: text("key").notNull().unique(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    html: text("html").notNull(),
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>(),
    status: text("status", { enum: MAIL_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    /** While `sending`: until when this attempt holds the row (see server/mail/README.md on crashes). */
    leaseUntil: integer("lease_until"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    sentAt: integer("sent_at"),
  },
  (t) => [index("mail_outbox_due_idx").on(t.status, t.nextAttemptAt)],
);

/**
 * A coordinator's invitation of a person into one of the alliance's
 * organisations with a role. The link carries a random token; only its
 * SHA-256 is stored. Pending: not accepted, not withdrawn, not expired
 * (7 days after it was last sent). Accepting creates the account and sets
 * `acceptedAt` in one transaction, so a link works once.
 */
export const invitations = sqliteTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    allianceId: text("alliance_id")
      .notNull()
      .references(() => alliances.id, { onDelete: "cascade" }),
    organisationId: text("organisation_id")
      .notNull()
      .references(() => organisations.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role", { enum: ROLES }).notNull(),
    /** The language of the mail and, once accepted, of the new account (the inviter's choice). */
    locale: text("locale").notNull().default("nl"),
    /** SHA-256 (hex) of the token in the link; the token itself is never stored. */
    tokenHash: text("token_hash").notNull().unique(),
    invitedByUserId: text("invited_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    lastSentAt: integer("last_sent_at").notNull(),
    acceptedAt: integer("accepted_at"),
    acceptedUserId: text("accepted_user_id").references(() => users.id, { onDelete: "set null" }),
    withdrawnAt: integer("withdrawn_at"),
  },
  (t) => [index("invitations_alliance_idx").on(t.allianceId, t.createdAt), index("invitations_email_idx").on(t.email)],
);

/** Facts about this installation, by key: `demo_removed_at` (the demo alliance is not seeded again once removed). */
export const installation = sqliteTable("installation", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/**
 * What a person is told about (app/services/notifications.server.ts): a
 * referral to their organisation, a comment or a possible duplicate on a
 * request it holds, a claim about to expire, the daily digest. `key` unique:
 * the same event never makes two. `data` holds ids, counts and category ids,
 * never a reference, description or comment text.
 */
export const NOTIFICATION_KINDS = ["referral", "comment", "duplicate", "claim_expiring", "meeting_action", "digest"] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const notifications = sqliteTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    key: text("key").notNull().unique(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: NOTIFICATION_KINDS }).notNull(),
    boardId: text("board_id").references(() => boards.id, { onDelete: "cascade" }),
    requestId: text("request_id"),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: integer("created_at").notNull(),
    readAt: integer("read_at"),
  },
  (t) => [index("notifications_user_idx").on(t.userId, t.createdAt), index("notifications_unread_idx").on(t.userId, t.readAt)],
);

/** A person's choice per kind: e-mail on or off (for `digest`: the daily digest at all). No row: the default. */
export const notificationSettings = sqliteTable(
  "notification_settings",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: NOTIFICATION_KINDS }).notNull(),
    email: integer("email", { mode: "boolean" }).notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("notification_settings_pk").on(t.userId, t.kind)],
);

/**
 * The random token in a mail's unsubscribe link (/afmelden/<token>), one per
 * person and kind: it turns that kind of mail off without logging in, and
 * can do nothing else.
 */
export const unsubscribeTokens = sqliteTable(
  "unsubscribe_tokens",
  {
    token: text("token").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: NOTIFICATION_KINDS }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("unsubscribe_tokens_user_kind").on(t.userId, t.kind)],
);

// ---------------------------------------------------------------- meetings and the board as it was (issue 13)

/**
 * Why a moment of a board was stored: a meeting started or ended, the daily
 * sweep found the board changed since its last moment, or a coordinator
 * asked for one.
 */
export const MOMENT_REASONS = ["meeting_start", "meeting_end", "daily", "manual"] as const;
export type MomentReason = (typeof MOMENT_REASONS)[number];

/**
 * The board as it was: the whole Yjs document (`Y.encodeStateAsUpdate`) at
 * `at`, and the audit log's position then (`lastAuditId`), from which the
 * moves between two moments are read. Not the compaction snapshot
 * (`board_snapshots`): these are kept, that one is replaced.
 */
export const boardMoments = sqliteTable(
  "board_moments",
  {
    id: text("id").primaryKey(),
    boardId: text("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    reason: text("reason", { enum: MOMENT_REASONS }).notNull(),
    meetingId: text("meeting_id"),
    data: blob("data", { mode: "buffer" }).notNull(),
    lastAuditId: integer("last_audit_id").notNull().default(0),
    createdByUserId: text("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    at: integer("at").notNull(),
  },
  (t) => [index("board_moments_board_idx").on(t.boardId, t.at)],
);

export const MEETING_STATUSES = ["planned", "running", "ended"] as const;
export type MeetingStatus = (typeof MEETING_STATUSES)[number];

/** An alliance meeting on one board: planned (title, date), running (a facilitator), ended (its record kept). */
export const meetings = sqliteTable(
  "meetings",
  {
    id: text("id").primaryKey(),
    boardId: text("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    /** When it is planned (ms since epoch). */
    scheduledAt: integer("scheduled_at").notNull(),
    status: text("status", { enum: MEETING_STATUSES }).notNull().default("planned"),
    /** The previous meeting's end moment, from which "since the last meeting" counts (null: the first). */
    sinceMomentId: text("since_moment_id"),
    startMomentId: text("start_moment_id"),
    endMomentId: text("end_moment_id"),
    facilitatorUserId: text("facilitator_user_id").references(() => users.id, { onDelete: "set null" }),
    currentItemId: text("current_item_id"),
    summary: text("summary").notNull().default(""),
    createdByUserId: text("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    endedAt: integer("ended_at"),
  },
  (t) => [
    index("meetings_board_idx").on(t.boardId, t.scheduledAt),
    // At most one running meeting per board, enforced by SQLite itself.
    uniqueIndex("meetings_one_running_idx").on(t.boardId).where(sql`status = 'running'`),
  ],
);

/** One agenda item: a saved view of the board (JSON, app/board/meeting.ts SavedView) with its own time. */
export const meetingItems = sqliteTable(
  "meeting_items",
  {
    id: text("id").primaryKey(),
    meetingId: text("meeting_id")
      .notNull()
      .references(() => meetings.id, { onDelete: "cascade" }),
    /** Fractional order key (app/board/order.ts). */
    order: text("order").notNull(),
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    view: text("view", { mode: "json" }).$type<Record<string, unknown>>(),
    notes: text("notes").notNull().default(""),
    /** Time spent on it so far (ms), and since when it is the current item (null: not now). */
    spentMs: integer("spent_ms").notNull().default(0),
    currentSince: integer("current_since"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("meeting_items_meeting_idx").on(t.meetingId)],
);

export const meetingDecisions = sqliteTable(
  "meeting_decisions",
  {
    id: text("id").primaryKey(),
    meetingId: text("meeting_id")
      .notNull()
      .references(() => meetings.id, { onDelete: "cascade" }),
    itemId: text("item_id"),
    requestId: text("request_id"),
    text: text("text").notNull(),
    createdByUserId: text("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("meeting_decisions_meeting_idx").on(t.meetingId)],
);

/**
 * An action taken in a meeting: what, which organisation, by when (a
 * calendar day, YYYY-MM-DD), perhaps for one request. Tracked until done;
 * the next meeting's agenda starts with the open ones.
 */
export const meetingActions = sqliteTable(
  "meeting_actions",
  {
    id: text("id").primaryKey(),
    meetingId: text("meeting_id")
      .notNull()
      .references(() => meetings.id, { onDelete: "cascade" }),
    boardId: text("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    itemId: text("item_id"),
    requestId: text("request_id").references(() => requests.id, { onDelete: "set null" }),
    orgId: text("org_id")
      .notNull()
      .references(() => organisations.id, { onDelete: "cascade" }),
    text: text("text").notNull(),
    due: text("due").notNull(),
    doneAt: integer("done_at"),
    doneByUserId: text("done_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdByUserId: text("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("meeting_actions_org_idx").on(t.orgId, t.doneAt),
    index("meeting_actions_board_idx").on(t.boardId, t.doneAt),
    index("meeting_actions_request_idx").on(t.requestId),
  ],
);

/** Who was there: taken from the presence when the meeting starts and while it runs, editable (a name typed in for someone without an account). */
export const meetingAttendees = sqliteTable(
  "meeting_attendees",
  {
    id: text("id").primaryKey(),
    meetingId: text("meeting_id")
      .notNull()
      .references(() => meetings.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    orgId: text("org_id").references(() => organisations.id, { onDelete: "set null" }),
    source: text("source", { enum: ["presence", "manual"] }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("meeting_attendees_meeting_idx").on(t.meetingId), uniqueIndex("meeting_attendees_user_idx").on(t.meetingId, t.userId)],
);

/**
 * Contact details of the person behind a request (issue 14), sealed with the
 * installation's DATA_KEY (app/services/seal.server.ts): `sealed` holds
 * { name, phone, email, address, note } as AES-256-GCM bound to the request
 * id, so the database file alone does not reveal them. Outside the shared
 * board document; readable only by the organisation that holds the request
 * (or entered it, while nobody holds it); handed to another organisation
 * only when the person consented (`consent`, as Primero does).
 */
export const requestContacts = sqliteTable(
  "request_contacts",
  {
    requestId: text("request_id")
      .primaryKey()
      .references(() => requests.id, { onDelete: "cascade" }),
    boardId: text("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    sealed: blob("sealed", { mode: "buffer" }).notNull(),
    /** The person agreed that their details go along when the request is referred to another organisation. */
    consent: integer("consent", { mode: "boolean" }).notNull().default(false),
    updatedAt: integer("updated_at").notNull(),
    updatedByUserId: text("updated_by_user_id").references(() => users.id, { onDelete: "set null" }),
    /** The organisation that wrote the details last: it may always read them back while it holds the request. */
    updatedByOrgId: text("updated_by_org_id").references(() => organisations.id, { onDelete: "set null" }),
  },
  (t) => [index("request_contacts_board_idx").on(t.boardId)],
);

export const CONTACT_VIEW_ACTIONS = ["view", "edit", "handover", "withheld", "clear"] as const;

/**
 * Who looked at or changed a request's contact details, and when (never what
 * they saw): every read, every write, the handover on an accepted referral
 * (`withheld`: accepted without the person's consent, so nothing went along).
 * The coordinator sees this list on the card.
 */
export const contactViews = sqliteTable(
  "contact_views",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    requestId: text("request_id")
      .notNull()
      .references(() => requests.id, { onDelete: "cascade" }),
    boardId: text("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    orgId: text("org_id").references(() => organisations.id, { onDelete: "set null" }),
    action: text("action", { enum: CONTACT_VIEW_ACTIONS }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("contact_views_request_idx").on(t.requestId, t.createdAt)],
);

/**
 * Local teams (Aan de Slag): a named group of the alliance's organisations
 * (`team_organisations`) with the area it works in. In team mode
 * `one_organisation` the team also has an organisation of its own
 * (`organisationId`, kind "team") whose people act as the team; in
 * `across_organisations` the members of its organisations do.
 */
export const teams = sqliteTable(
  "teams",
  {
    id: text("id").primaryKey(),
    allianceId: text("alliance_id")
      .notNull()
      .references(() => alliances.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    area: text("area"),
    organisationId: text("organisation_id").references(() => organisations.id, { onDelete: "set null" }),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("teams_alliance_idx").on(t.allianceId)],
);

export const teamOrganisations = sqliteTable(
  "team_organisations",
  {
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    organisationId: text("organisation_id")
      .notNull()
      .references(() => organisations.id, { onDelete: "cascade" }),
  },
  (t) => [uniqueIndex("team_organisations_pk").on(t.teamId, t.organisationId), index("team_organisations_org_idx").on(t.organisationId)],
);

/**
 * Volunteer jobs and activities (issue 15, Aan de Slag): a card of kind
 * "job" on the board, with its row in `requests` as every card (creator,
 * audit) and here what SQL decides: its places, how many are filled, the
 * organisation that offers it and when it was done. `filled` is kept by the
 * one conditional UPDATE that fills places (db/jobs.ts), so two fills of the
 * last place cannot both pass: the count check and the write are one
 * statement (a row lock on PostgreSQL).
 */
export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id")
      .primaryKey()
      .references(() => requests.id, { onDelete: "cascade" }),
    boardId: text("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    /** The organisation that offers the job (who, besides coordinators, fills its places). */
    orgId: text("org_id")
      .notNull()
      .references(() => organisations.id),
    /** The local team the job belongs to (its organisations' people fill its places too), or null. */
    teamId: text("team_id").references(() => teams.id, { onDelete: "set null" }),
    places: integer("places").notNull(),
    filled: integer("filled").notNull().default(0),
    /** When the job (or its last occurrence) was marked done; null while it runs. */
    doneAt: integer("done_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("jobs_board_idx").on(t.boardId)],
);

/**
 * A request in a job's place. One request is in one job at a time: the
 * partial unique index over the places not ended. When the job is done its
 * places end (`ended_at`), `attended` saying whether the person came (the
 * report's "used"); a freed place is deleted.
 */
export const jobPlaces = sqliteTable(
  "job_places",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    requestId: text("request_id")
      .notNull()
      .references(() => requests.id, { onDelete: "cascade" }),
    filledByOrgId: text("filled_by_org_id").references(() => organisations.id, { onDelete: "set null" }),
    filledByUserId: text("filled_by_user_id").references(() => users.id, { onDelete: "set null" }),
    filledAt: integer("filled_at").notNull(),
    endedAt: integer("ended_at"),
    attended: integer("attended", { mode: "boolean" }),
  },
  (t) => [
    index("job_places_job_idx").on(t.jobId),
    uniqueIndex("job_places_one_job_idx").on(t.requestId).where(sql`ended_at IS NULL`),
  ],
);

export const FRONT_DOOR_ITEM_KINDS = ["request", "offer"] as const;

/**
 * What came in through the public front door (issue 15), one row per
 * accepted submission: which request it became (null once it is gone), the
 * hash of its receipt code, and `address_key`, a keyed hash of the sender's
 * address with a secret that changes every day (never the address itself),
 * which the guard counts the per-address budget by. `spam_at`: staff marked
 * it as spam (the request went; the row stays and weighs heavier in that
 * address key's budget). The per-alliance daily cap counts these rows.
 */
export const frontDoorItems = sqliteTable(
  "front_door_items",
  {
    id: text("id").primaryKey(),
    allianceId: text("alliance_id")
      .notNull()
      .references(() => alliances.id, { onDelete: "cascade" }),
    boardId: text("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    requestId: text("request_id").references(() => requests.id, { onDelete: "set null" }),
    kind: text("kind", { enum: FRONT_DOOR_ITEM_KINDS }).notNull(),
    language: text("language").notNull(),
    codeHash: text("code_hash").notNull().unique(),
    addressKey: text("address_key").notNull(),
    createdAt: integer("created_at").notNull(),
    spamAt: integer("spam_at"),
  },
  (t) => [
    index("front_door_items_alliance_created_idx").on(t.allianceId, t.createdAt),
    index("front_door_items_address_idx").on(t.addressKey, t.createdAt),
    index("front_door_items_request_idx").on(t.requestId),
  ],
);
