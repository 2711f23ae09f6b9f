CREATE TABLE change_log (
    seq BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    refs TEXT NOT NULL,
    node TEXT NOT NULL
);
