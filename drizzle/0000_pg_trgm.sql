-- Text matching (escalations against known problems) needs trigram similarity on every database we run on.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
