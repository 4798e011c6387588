CREATE TABLE `board_moments` (
	`id` text PRIMARY KEY NOT NULL,
	`board_id` text NOT NULL,
	`reason` text NOT NULL,
	`meeting_id` text,
	`data` blob NOT NULL,
	`last_audit_id` integer DEFAULT 0 NOT NULL,
	`created_by_user_id` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`board_id`) REFERENCES `boards`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `board_moments_board_idx` ON `board_moments` (`board_id`,`at`);--> statement-breakpoint
CREATE TABLE `meeting_actions` (
	`id` text PRIMARY KEY NOT NULL,
	`meeting_id` text NOT NULL,
	`board_id` text NOT NULL,
	`item_id` text,
	`request_id` text,
	`org_id` text NOT NULL,
	`text` text NOT NULL,
	`due` text NOT NULL,
	`done_at` integer,
	`done_by_user_id` text,
	`created_by_user_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`board_id`) REFERENCES `boards`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`request_id`) REFERENCES `requests`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`org_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`done_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`created_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `meeting_actions_org_idx` ON `meeting_actions` (`org_id`,`done_at`);--> statement-breakpoint
CREATE INDEX `meeting_actions_board_idx` ON `meeting_actions` (`board_id`,`done_at`);--> statement-breakpoint
CREATE INDEX `meeting_actions_request_idx` ON `meeting_actions` (`request_id`);--> statement-breakpoint
CREATE TABLE `meeting_attendees` (
	`id` text PRIMARY KEY NOT NULL,
	`meeting_id` text NOT NULL,
	`user_id` text,
	`name` text NOT NULL,
	`org_id` text,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`org_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `meeting_attendees_meeting_idx` ON `meeting_attendees` (`meeting_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `meeting_attendees_user_idx` ON `meeting_attendees` (`meeting_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `meeting_decisions` (
	`id` text PRIMARY KEY NOT NULL,
	`meeting_id` text NOT NULL,
	`item_id` text,
	`request_id` text,
	`text` text NOT NULL,
	`created_by_user_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `meeting_decisions_meeting_idx` ON `meeting_decisions` (`meeting_id`);--> statement-breakpoint
CREATE TABLE `meeting_items` (
	`id` text PRIMARY KEY NOT NULL,
	`meeting_id` text NOT NULL,
	`order` text NOT NULL,
	`kind` text NOT NULL,
	`title` text NOT NULL,
	`view` text,
	`notes` text DEFAULT '' NOT NULL,
	`spent_ms` integer DEFAULT 0 NOT NULL,
	`current_since` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `meeting_items_meeting_idx` ON `meeting_items` (`meeting_id`);--> statement-breakpoint
CREATE TABLE `meetings` (
	`id` text PRIMARY KEY NOT NULL,
	`board_id` text NOT NULL,
	`title` text NOT NULL,
	`scheduled_at` integer NOT NULL,
	`status` text DEFAULT 'planned' NOT NULL,
	`since_moment_id` text,
	`start_moment_id` text,
	`end_moment_id` text,
	`facilitator_user_id` text,
	`current_item_id` text,
	`summary` text DEFAULT '' NOT NULL,
	`created_by_user_id` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	FOREIGN KEY (`board_id`) REFERENCES `boards`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`facilitator_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`created_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `meetings_board_idx` ON `meetings` (`board_id`,`scheduled_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `meetings_one_running_idx` ON `meetings` (`board_id`) WHERE status = 'running';