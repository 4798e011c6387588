CREATE TABLE `team_organisations` (
	`team_id` text NOT NULL,
	`organisation_id` text NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `team_organisations_pk` ON `team_organisations` (`team_id`,`organisation_id`);--> statement-breakpoint
CREATE INDEX `team_organisations_org_idx` ON `team_organisations` (`organisation_id`);--> statement-breakpoint
CREATE TABLE `teams` (
	`id` text PRIMARY KEY NOT NULL,
	`alliance_id` text NOT NULL,
	`name` text NOT NULL,
	`area` text,
	`organisation_id` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`alliance_id`) REFERENCES `alliances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `teams_alliance_idx` ON `teams` (`alliance_id`);--> statement-breakpoint
ALTER TABLE `alliances` ADD `team_mode` text DEFAULT 'across_organisations' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `home_organisation_id` text REFERENCES organisations(id) ON DELETE set null;