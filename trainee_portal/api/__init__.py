"""The JSON API at /api/v1 and the personal access tokens that open it."""
