-- Where a running attempt stands (step, done of total, rate, epoch and batch), for the Models page.
alter table batch.runs add column progress jsonb;
