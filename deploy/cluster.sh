#!/usr/bin/env bash
# Hangfire as the distributed engine, on one machine: two `worker --queues gpu` processes and two model profiles
# (ranker, and mmoe: the same features under MMoE). Each model's last two seeded days are enqueued as a
# backfill (its days in order), so the two models train side by side, one on each worker; a re-run of a day
# whose attempt is running is refused. Ends with the ledger: one attempt per (model, day), which worker ran it,
# and when. Leaves the stack running (deploy/local-stack.sh stop).
# Environment: PER_DAY (impressions per seeded day, default 30000), TIMEOUT_S (default 1200).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. deploy/lab-build.sh

# The second profile, as any deployment would add one: by configuration.
second=mmoe
export "Batch__Models__${second}__TrainingDays=7"
for i in 0 1 2 3 4 5 6; do
  column=$(echo user_id item_id user_segment item_category device hour_of_day slot_position | cut -d' ' -f$((i + 1)))
  export "Batch__Models__${second}__Features__Categorical__${i}=${column}"
done
export "Batch__Models__${second}__Features__Numeric__0=price" "Batch__Models__${second}__Features__Numeric__1=user_activity"
export "Batch__Models__${second}__Features__MinCount=2"
export "Batch__Models__${second}__Architecture__Name=mmoe" "Batch__Models__${second}__Architecture__Settings__mmoe__Experts=4"
export "Batch__Models__${second}__Architecture__ExpertHidden__0=64" "Batch__Models__${second}__Architecture__ExpertHidden__1=32"
export "Batch__Models__${second}__Architecture__TowerHidden__0=16"
export "Batch__Models__${second}__Training__Epochs=3"

logs="${TMPDIR:-/tmp}/batch-cluster"
mkdir -p "$logs"
workers=()
stop_workers() { for pid in "${workers[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop_workers EXIT

"$batch" migrate
seeded=$("$lab" seed --days 14 --impressions-per-day "${PER_DAY:-30000}")
echo "$seeded"
last=$(echo "$seeded" | sed -E 's/^Seeded [0-9-]+\.\.([0-9-]+):.*/\1/')
first=$(date -d "$last - 1 day" +%F)

for n in 1 2; do
  "$batch" worker --queues gpu --workers 1 > "$logs/worker$n.log" 2>&1 &
  workers+=("$!")
done
echo "Two workers on queue gpu (logs in $logs)."

psql_batch() { psql "host=127.0.0.1 port=55432 user=batch dbname=batch" -Atq -c "$1"; }
since=$(psql_batch "select now()")
ours="data_day between '$first' and '$last' and model in ('ranker', '$second') and started_at >= '$since'"
"$batch" backfill --model ranker --from "$first" --until "$last"
"$batch" backfill --model "$second" --from "$first" --until "$last"

# While ranker's first day is running, a re-run of it is refused: one attempt per (model, day).
deadline=$((SECONDS + ${TIMEOUT_S:-1200}))
until [ "$(psql_batch "select count(*) from batch.runs where $ours and model = 'ranker' and data_day = '$first' and status = 'running'")" = 1 ]; do
  [ $SECONDS -lt $deadline ] || { echo "ranker $first never started; see $logs" >&2; exit 1; }
  sleep 1
done
if "$batch" rerun --model ranker --day "$first"; then echo "A second attempt of a running day was enqueued." >&2; exit 1; fi

until [ "$(psql_batch "select count(*) from batch.runs where $ours and status <> 'running'")" = 4 ]; do
  [ $SECONDS -lt $deadline ] || { echo "The four days did not finish within ${TIMEOUT_S:-1200} s; see $logs" >&2; exit 1; }
  sleep 2
done

echo
echo "The ledger, with the Hangfire server (worker process) that ran each attempt:"
psql "host=127.0.0.1 port=55432 user=batch dbname=batch" -q -c "
  select r.model, r.data_day as day, r.attempt, r.status,
         to_char(r.started_at at time zone 'UTC', 'HH24:MI:SS') as started_utc, to_char(r.finished_at at time zone 'UTC', 'HH24:MI:SS') as finished_utc,
         (select s.data::json->>'ServerId' from hangfire.state s where s.jobid = r.job_id::bigint and s.name = 'Processing'
          order by s.id desc limit 1) as server
  from (select * from batch.runs where $ours) r
  order by r.started_at"
overlap=$(psql_batch "
  with r as (select * from batch.runs where $ours)
  select count(*) from r a join r b on a.model = 'ranker' and b.model = '$second'
   and a.started_at < b.finished_at and b.started_at < a.finished_at")
echo "Attempts of the two models that overlapped in time: $overlap pair(s)."
unfinished=$(psql_batch "select count(*) from batch.runs where $ours and status not in ('succeeded', 'rejected')")
[ "$unfinished" = 0 ] || { echo "$unfinished attempt(s) neither succeeded nor were rejected by the gate; see $logs" >&2; exit 1; }
