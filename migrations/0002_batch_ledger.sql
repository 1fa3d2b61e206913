-- The ledger: every run (model, data day, attempt), every step of it, the model versions it produced and
-- the gate decision taken on each.
create schema if not exists batch;

create table batch.runs (
    id            bigserial    primary key,
    model         text         not null,
    data_day      date         not null,
    attempt       integer      not null,
    status        text         not null check (status in ('running', 'succeeded', 'rejected', 'failed', 'abandoned')),
    trigger       text         not null,
    host          text         not null,
    job_id        text,
    started_at    timestamptz  not null default now(),
    heartbeat_at  timestamptz  not null default now(),
    finished_at   timestamptz,
    error         text,
    unique (model, data_day, attempt)
);

-- At most one active attempt per (model, day), whatever the scheduler does.
create unique index runs_one_active_attempt on batch.runs (model, data_day) where status = 'running';

create table batch.steps (
    run_id       bigint       not null references batch.runs (id),
    step         text         not null,
    ordinal      integer      not null,
    status       text         not null check (status in ('running', 'succeeded', 'failed')),
    started_at   timestamptz  not null default now(),
    finished_at  timestamptz,
    detail       jsonb,
    error        text,
    primary key (run_id, step)
);

create table batch.model_versions (
    version      text         primary key,
    model        text         not null,
    run_id       bigint       not null unique references batch.runs (id),
    data_day     date         not null,
    status       text         not null check (status in ('promoted', 'rejected')),
    blob_prefix  text         not null,
    metrics      jsonb        not null,
    created_at   timestamptz  not null default now()
);

create table batch.gate_decisions (
    run_id              bigint       primary key references batch.runs (id),
    approved            boolean      not null,
    verdict             text         not null,
    reasons             jsonb        not null,
    candidate_metrics   jsonb        not null,
    production_metrics  jsonb,
    production_version  text,
    decided_at          timestamptz  not null default now()
);
