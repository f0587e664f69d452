"""Local fakes of platform APIs that the end-to-end adapter tests run against (127.0.0.1 only)."""
