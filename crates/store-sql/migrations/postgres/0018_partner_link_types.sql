-- A tie's kinds besides reseller, DAP and GDAP (indirect reseller, ISV, line of business, MPSA, OEM,
-- partner), comma-separated; and on an indirect provider's tie, the indirect reseller it came through.
ALTER TABLE partner_links ADD COLUMN other_types TEXT NOT NULL DEFAULT '';
ALTER TABLE partner_links ADD COLUMN associated_partner_id TEXT;
