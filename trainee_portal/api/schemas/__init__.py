"""The marshmallow schemas of the JSON API, one module per resource: they validate what comes in, shape what goes
out, and are what the OpenAPI document is generated from."""
