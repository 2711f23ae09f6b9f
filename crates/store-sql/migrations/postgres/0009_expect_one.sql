-- Aborts a statement whose version-checked clause did not affect exactly one row (writes are sent
-- as one statement; see the store's `combine`).
CREATE OR REPLACE FUNCTION gdap_expect_one(n BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$ BEGIN IF n <> 1 THEN RAISE EXCEPTION 'version conflict' USING ERRCODE = 'GD409'; END IF; RETURN n; END $$
