"""File-format helpers that every domain's readers and writers share: spreadsheet cells, workbooks,
YAML with line numbers and CSV with line numbers. Pure functions over files and values; no database."""
