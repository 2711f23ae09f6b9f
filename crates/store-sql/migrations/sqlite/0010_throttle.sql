CREATE TABLE sign_in_failures (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    since BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_since ON sign_in_failures (since);

CREATE TABLE familiar_sources (
    account TEXT NOT NULL,
    source TEXT NOT NULL,
    seen BIGINT NOT NULL,
    PRIMARY KEY (account, source)
);
