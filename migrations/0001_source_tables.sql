-- This migration once created the canonical source tables (impressions, conversions, their day partitions) in the
-- ledger's database. Batch no longer creates or writes any source relation: a deployment maps its own
-- (Batch:Models:{model}:Source), and the canonical tables are created by the lab's seeder and by the tests
-- (src/Batch.Lab/Synthetic/CanonicalSource.sql). Databases where it ran keep their tables, untouched; the script stays
-- so that the journal's history reads as it was.
select 1;
