ALTER TABLE `alliances` ADD `front_door_enabled` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `alliances` ADD `front_door_board_id` text;--> statement-breakpoint
ALTER TABLE `alliances` ADD `front_door_sites` text DEFAULT '[]' NOT NULL;