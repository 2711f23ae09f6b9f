-- Partner Center's SignatureTokenToMsSignatureHeader: where a registration's deliveries carry the signature.
ALTER TABLE webhook_registrations ADD COLUMN ms_signature_header BIGINT NOT NULL DEFAULT 0;
