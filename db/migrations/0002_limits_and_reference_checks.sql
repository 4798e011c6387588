CREATE TABLE `login_devices` (
	`token_hash` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `login_devices_pk` ON `login_devices` (`token_hash`,`user_id`);--> statement-breakpoint
CREATE INDEX `login_devices_user_idx` ON `login_devices` (`user_id`);--> statement-breakpoint
CREATE TABLE `reference_checks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`board_id` text NOT NULL,
	`user_id` text,
	`org_id` text,
	`outcome` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`board_id`) REFERENCES `boards`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`org_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `reference_checks_board_idx` ON `reference_checks` (`board_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `reference_checks_user_idx` ON `reference_checks` (`user_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `alliances` ADD `request_quota_per_hour` integer;--> statement-breakpoint
CREATE INDEX `requests_org_created_idx` ON `requests` (`created_by_org_id`,`created_at`);