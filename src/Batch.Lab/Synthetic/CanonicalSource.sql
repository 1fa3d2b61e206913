-- The canonical source: the shape Batch reads by default (Batch:Models:{model}:Source's defaults), as an upstream
-- logging pipeline would land it: one row per impression and per conversion, partitioned by day. Constraints are
-- deliberately loose (as upstream data is); the validate step of a run checks what training relies on.
-- Batch never creates or writes these: the lab's seeder (the demo, the benchmarks) and the tests do, with the
-- synthetic worlds. A deployment maps its own relations instead (docs/configuration.md, Source).
create table if not exists impressions (
    id             bigint           not null,
    event_time     timestamptz      not null,
    user_id        bigint,
    item_id        bigint,
    user_segment   text,
    item_category  text,
    device         text,
    hour_of_day    smallint,
    slot_position  smallint,
    price          double precision,
    user_activity  double precision,
    clicked        boolean          not null,
    primary key (id, event_time)
) partition by range (event_time);

create table if not exists conversions (
    conversion_id  bigint           not null,
    impression_id  bigint           not null,
    event_time     timestamptz      not null,
    value          numeric(12, 2)   not null,
    primary key (conversion_id, event_time)
) partition by range (event_time);

create index if not exists conversions_impression_id on conversions (impression_id);

-- A further event relation (the shop world's add-to-cart events), shaped like conversions; mapped as Source:Events:carts.
create table if not exists carts (
    cart_id        bigint           not null,
    impression_id  bigint           not null,
    event_time     timestamptz      not null,
    primary key (cart_id, event_time)
) partition by range (event_time);

create index if not exists carts_impression_id on carts (impression_id);

-- Creates the daily partitions of the source tables for [first_day, last_day], days being calendar dates
-- in time zone tz. Idempotent.
create or replace function ensure_day_partitions(first_day date, last_day date, tz text) returns void
language plpgsql as $$
declare
    d date := first_day;
    lo timestamptz;
    hi timestamptz;
begin
    while d <= last_day loop
        lo := d::timestamp at time zone tz;
        hi := (d + 1)::timestamp at time zone tz;
        execute format('create table if not exists %I partition of impressions for values from (%L) to (%L)',
                       'impressions_' || to_char(d, 'YYYYMMDD'), lo, hi);
        execute format('create table if not exists %I partition of conversions for values from (%L) to (%L)',
                       'conversions_' || to_char(d, 'YYYYMMDD'), lo, hi);
        execute format('create table if not exists %I partition of carts for values from (%L) to (%L)',
                       'carts_' || to_char(d, 'YYYYMMDD'), lo, hi);
        d := d + 1;
    end loop;
end $$;
