-- The synthetic world's probabilities without its latent user × item terms (inner products of hidden user and
-- item factors): what a model that learns everything but those terms reaches at best. Null for rows seeded
-- before this column existed; `batch seed` again fills them.
alter table synthetic_truth add column p_click_without_latent double precision, add column p_convert_without_latent double precision;
