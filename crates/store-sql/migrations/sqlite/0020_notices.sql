-- Renewal notices sent, once per relationship and kind.
CREATE TABLE notices (
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (subject, kind)
);
-- The sweep looks for active relationships by end date.
CREATE INDEX relationships_status_end ON relationships(status, end_at);
