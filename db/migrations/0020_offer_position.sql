ALTER TABLE `offers` ADD `position` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Offers entered before this column keep the order they were entered in (SQLite's rowid).
UPDATE `offers` SET `position` = (SELECT count(*) FROM `offers` AS `o` WHERE `o`.`organisation_id` = `offers`.`organisation_id` AND `o`.`rowid` < `offers`.`rowid`);
