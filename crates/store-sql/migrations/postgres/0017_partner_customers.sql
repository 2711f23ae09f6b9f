CREATE INDEX partner_links_partner ON partner_links(partner_id, customer_id);
