CREATE TABLE `front_door_items` (
	`id` text PRIMARY KEY NOT NULL,
	`alliance_id` text NOT NULL,
	`board_id` text NOT NULL,
	`request_id` text,
	`kind` text NOT NULL,
	`language` text NOT NULL,
	`code_hash` text NOT NULL,
	`address_key` text NOT NULL,
	`created_at` integer NOT NULL,
	`spam_at` integer,
	FOREIGN KEY (`alliance_id`) REFERENCES `alliances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`board_id`) REFERENCES `boards`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`request_id`) REFERENCES `requests`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `front_door_items_code_hash_unique` ON `front_door_items` (`code_hash`);--> statement-breakpoint
CREATE INDEX `front_door_items_alliance_created_idx` ON `front_door_items` (`alliance_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `front_door_items_address_idx` ON `front_door_items` (`address_key`,`created_at`);--> statement-breakpoint
CREATE INDEX `front_door_items_request_idx` ON `front_door_items` (`request_id`);--> statement-breakpoint
ALTER TABLE `alliances` ADD `front_door_daily_cap` integer DEFAULT 200 NOT NULL;