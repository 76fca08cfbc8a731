"""rich renderings of the library's results, one module per command (the commands stay thin)."""
