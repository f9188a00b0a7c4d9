-- Leases for timed jobs: one holder at a time per job, for a bounded time, so any number of
-- nodes can run the scheduler and each job runs on one of them (ARCHITECTURE.md,
-- "Time-based routines"). A lease that expired may be taken over.
CREATE TABLE job_leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_us  BIGINT NOT NULL,
    last_run_us BIGINT
);
