"""What each role's home page reads: one module per role, each returning the few rows its section shows."""
