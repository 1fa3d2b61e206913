-- What an attempt was told to allow: a day trained before its conversion window closed is a deliberate exception,
-- recorded on the run that made it.
alter table batch.runs add column allow_immature_labels boolean not null default false;
