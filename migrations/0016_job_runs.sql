-- One row per scheduled run of a job: the instance that inserts it runs the job, any other
-- instance firing for the same scheduled time finds the row and stays idle. So with several
-- instances on one database each job runs once per period (its work was already idempotent;
-- this makes it happen once, and leaves a record of when it last ran and how it ended).
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    scheduled_at BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    outcome TEXT CHECK (outcome IN ('done', 'failed')),
    summary TEXT,
    PRIMARY KEY (job, scheduled_at)
);
