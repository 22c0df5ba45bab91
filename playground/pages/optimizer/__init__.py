"""The Optimizers page: its scene schema (``scene``), its view (``page``) and its headless renderer."""
