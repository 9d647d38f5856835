"""Storage: SQLAlchemy tables, the as-of query helper, versioned writes and migrations."""
