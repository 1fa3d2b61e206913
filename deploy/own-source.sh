#!/usr/bin/env bash
# Your own tables, on the local stack: the demo's synthetic rows copied into relations named as another company's
# warehouse names them — a plain table logs.ad_views(view_id, shown_at, is_click smallint, …) and a view
# shop.paid_orders(order_ref, view_ref, ordered_at) over an orders table that also holds cancelled orders — read by a
# role that may only select them, with the mapping given as Batch__Models__ranker__Source__… variables. One nightly
# attempt on the canonical tables and one on the mapped relations, each with a ledger and a container of its own, must
# give the same candidate AUCs; and `batch migrate` on a fresh database creates nothing outside schema batch.
# Leaves the stack running (deploy/local-stack.sh stop); drops its databases and role.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. deploy/lab-build.sh

port="${BATCH_PG_PORT:-55432}"
suffix="$(date +%s)"
source_db="batch_own_source_$suffix" ledger_db="batch_own_ledger_$suffix" reader="batch_own_reader_$suffix"
pg() { psql "host=127.0.0.1 port=$port user=batch dbname=${2:-postgres}" -v ON_ERROR_STOP=1 -qtAc "$1"; }
cleanup() {
  pg "drop database if exists $source_db with (force)" >/dev/null || true
  pg "drop database if exists $ledger_db with (force)" >/dev/null || true
  pg "drop role if exists $reader" >/dev/null || true
}
trap cleanup EXIT
pg "create database $source_db" >/dev/null
pg "create database $ledger_db" >/dev/null
at() { echo "Host=127.0.0.1;Port=$port;Username=${2:-batch};Database=$1"; }

# The canonical run: the demo's shape, ledger and source in one database.
export Batch__ConnectionStrings__Postgres="$(at "$source_db")" Batch__BlobContainer="own-canonical-$suffix"
seeded=$("$lab" seed --days 10 --impressions-per-day 30000)
echo "$seeded"
day=$(echo "$seeded" | sed -E 's/^Seeded [0-9-]+\.\.([0-9-]+):.*/\1/')
canonical=$("$batch" run --model ranker --day "$day" 2>/dev/null)

# The same rows as another warehouse holds them, and a role that may only read them.
pg "
create schema logs;
create schema shop;
create table logs.ad_views as
  select id as view_id, event_time as shown_at, clicked::int::smallint as is_click,
         user_id, item_id, user_segment, item_category, device, hour_of_day, slot_position, price, user_activity
  from impressions;
create table shop.orders as select conversion_id as order_ref, impression_id as view_ref, event_time as ordered_at, 'paid'::text as status from conversions;
insert into shop.orders select id + 900000000000000, id, event_time + interval '1 hour', 'cancelled' from impressions where id % 11 = 0;
create view shop.paid_orders as select order_ref, view_ref, ordered_at from shop.orders where status = 'paid';
create role $reader login;
grant usage on schema logs, shop to $reader;
grant select on logs.ad_views, shop.paid_orders to $reader;
" "$source_db"

# The mapped run: a ledger of its own; the source read through the read-only role.
export Batch__ConnectionStrings__Postgres="$(at "$ledger_db")" Batch__ConnectionStrings__Extraction="$(at "$source_db" "$reader")"
export Batch__BlobContainer="own-mapped-$suffix"
export Batch__Models__ranker__Source__Impressions__Table=logs.ad_views Batch__Models__ranker__Source__Impressions__Id=view_id
export Batch__Models__ranker__Source__Impressions__Time=shown_at Batch__Models__ranker__Source__Impressions__Clicked=is_click
export Batch__Models__ranker__Source__Conversions__Table=shop.paid_orders Batch__Models__ranker__Source__Conversions__ImpressionId=view_ref
export Batch__Models__ranker__Source__Conversions__Time=ordered_at Batch__Models__ranker__Source__ChangeDetection=none
"$batch" migrate
outside=$(pg "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname not in ('batch', 'pg_catalog', 'information_schema', 'pg_toast')" "$ledger_db")
echo "batch migrate on a fresh database: $outside relations outside schema batch"
mapped=$("$batch" run --model ranker --day "$day" 2>/dev/null)

aucs() { echo "$1" | grep -E '^   (ctr|cvr|ctcvr) ' | awk '{print $1, $2}'; }
echo "Candidate AUCs for $day, canonical tables | mapped relations:"
paste -d'|' <(aucs "$canonical") <(aucs "$mapped")
echo "$mapped" | grep -E '^== |gate:'
[[ "$outside" == 0 ]] || { echo "own-source: batch migrate created relations outside schema batch" >&2; exit 1; }
[[ -n "$(aucs "$canonical")" && "$(aucs "$canonical")" == "$(aucs "$mapped")" ]] || { echo "own-source: the mapped relations did not give the canonical tables' AUCs" >&2; exit 1; }
echo "own-source: the mapped relations gave the canonical tables' AUCs."
