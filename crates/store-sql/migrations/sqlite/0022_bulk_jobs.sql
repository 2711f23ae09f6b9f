-- Bulk jobs a partner's application asked the server to carry out.
CREATE TABLE bulk_jobs (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    request TEXT NOT NULL,
    status TEXT NOT NULL,
    summary TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX bulk_jobs_partner ON bulk_jobs(partner_id, created_at);
CREATE INDEX bulk_jobs_running ON bulk_jobs(created_at) WHERE status = 'running';
-- Each job's result records, in the order written (the lines of the bulk tool's result file).
CREATE TABLE bulk_job_records (
    seq INTEGER PRIMARY KEY,
    job_id TEXT NOT NULL,
    line TEXT NOT NULL
);
CREATE INDEX bulk_job_records_job ON bulk_job_records(job_id, seq);
