"""The HTTP API: one module per resource, each with its own blueprint."""
