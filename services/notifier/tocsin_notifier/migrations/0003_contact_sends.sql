-- Messages actually sent to a person's contact (a bundle is one): the per-contact rate limit
-- counts these.
CREATE TABLE contact_sends (
    contact  text NOT NULL,
    sent_at  timestamptz NOT NULL
);
CREATE INDEX contact_sends_recent ON contact_sends (contact, sent_at);
