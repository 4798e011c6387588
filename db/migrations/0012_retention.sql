ALTER TABLE `boards` ADD `retention_months` integer DEFAULT 12 NOT NULL;--> statement-breakpoint
ALTER TABLE `requests` ADD `anonymised_at` integer;