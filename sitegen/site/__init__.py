"""The static site: ``build_site`` gathers runs from the store, renders pages, and swaps the site in."""
