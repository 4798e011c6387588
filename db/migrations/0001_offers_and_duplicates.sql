CREATE TABLE `duplicate_decisions` (
	`board_id` text NOT NULL,
	`request_a` text NOT NULL,
	`request_b` text NOT NULL,
	`decision` text NOT NULL,
	`decided_by_user_id` text,
	`decided_at` integer NOT NULL,
	FOREIGN KEY (`board_id`) REFERENCES `boards`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`decided_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `duplicate_pair_idx` ON `duplicate_decisions` (`request_a`,`request_b`);--> statement-breakpoint
CREATE TABLE `offers` (
	`id` text PRIMARY KEY NOT NULL,
	`organisation_id` text NOT NULL,
	`category` text NOT NULL,
	`label` text NOT NULL,
	`capacity` integer NOT NULL,
	`area` text DEFAULT '' NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `offers_org_idx` ON `offers` (`organisation_id`);--> statement-breakpoint
ALTER TABLE `requests` ADD `merged_into` text;