"""Exports: pictures, tables, animations and scripts made from the app's pages, for course authors."""
