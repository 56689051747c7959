"""In-memory fakes shared by the unit tests (one module per area)."""
