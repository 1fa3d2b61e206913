-- The gate judges evidence: per task and measure, both values, the change, its 95 % interval, the p-values and
-- the rule that decided; and the candidate's verdict against production in the survey's terms.
alter table batch.gate_decisions
    add column judgements  jsonb not null default '[]',
    add column transfer    text;
