-- Once the synthetic world's truth without its latent user × item terms; the truth is the lab's own table now
-- (batch-lab seed creates it, in the database it seeds), so a database migrated by batch has none. Kept as a step
-- for databases that had it: it changes nothing where the table is missing.
alter table if exists synthetic_truth add column if not exists p_click_without_latent double precision, add column if not exists p_convert_without_latent double precision;
