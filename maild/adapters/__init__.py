"""Everything that touches the world: database, IMAP, SMTP, files, clock."""
