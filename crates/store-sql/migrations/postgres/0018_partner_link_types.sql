-- A tie's kinds besides reseller, DAP and GDAP (indirect reseller, ISV, line of business, MPSA, OEM,
-- partner), comma-separated.
ALTER TABLE partner_links ADD COLUMN other_types TEXT NOT NULL DEFAULT '';
