-- Fencing and recorded promotions.
--
-- An attempt holds its (model, day) through lease_token: every write it makes is conditional on its row still
-- being 'running' with that token, and a lapsed lease is judged by the lease_seconds the attempt itself recorded.
alter table batch.runs
    add column lease_token    uuid,
    add column lease_seconds  integer,
    add column error_detail   text,
    add column note           text;
update batch.runs set lease_token = gen_random_uuid(), lease_seconds = 1800 where lease_token is null;
alter table batch.runs
    alter column lease_token set not null,
    alter column lease_seconds set not null,
    add constraint runs_lease_positive check (lease_seconds > 0);

-- A version is approved or rejected by the gate; whether it is in production is the promotions' business.
alter table batch.model_versions drop constraint model_versions_status_check;
update batch.model_versions set status = 'approved' where status = 'promoted';
alter table batch.model_versions
    add constraint model_versions_status_check check (status in ('approved', 'rejected')),
    add column container  text,
    add column location   text;
update batch.model_versions set container = '(unrecorded)', location = blob_prefix where container is null;
alter table batch.model_versions
    alter column container set not null,
    alter column location set not null;

-- Every move of a production pointer: the intent is recorded before the pointer is written, the outcome after.
create table batch.promotions (
    id                 bigserial    primary key,
    model              text         not null,
    kind               text         not null check (kind in ('publish', 'rollback', 'promote')),
    version            text         not null,
    expected_previous  text,
    run_id             bigint       references batch.runs (id),
    actor              text         not null,
    container          text         not null,
    status             text         not null check (status in ('intent', 'applied', 'failed')),
    requested_at       timestamptz  not null default now(),
    settled_at         timestamptz,
    outcome            text,
    check ((status = 'intent') = (settled_at is null))
);

-- One pointer move in flight per model: reconciling it is then never ambiguous.
create unique index promotions_one_open_intent on batch.promotions (model) where status = 'intent';
create index promotions_model on batch.promotions (model, id);

-- Versions promoted before promotions were recorded: each was applied once, oldest first.
insert into batch.promotions (model, kind, version, run_id, actor, container, status, requested_at, settled_at, outcome)
select model, 'publish', version, run_id, 'migration 0003', container, 'applied', created_at, created_at,
       'recorded by migration 0003 from model_versions (promoted before promotions were recorded)'
from batch.model_versions v
where v.status = 'approved'
  and exists (select 1 from batch.runs r where r.id = v.run_id and r.status = 'succeeded')
order by created_at;
