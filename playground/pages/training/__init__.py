"""The Training page: its scene schema (``scene``), its view (``page``) and its headless renderer."""
