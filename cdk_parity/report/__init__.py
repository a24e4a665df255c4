"""The side-by-side report of a comparison: Markdown, a self-contained HTML page, and JSON."""
