"""The Django admin: an interface like the API and the pages, over every app's models (SPEC §5)."""
