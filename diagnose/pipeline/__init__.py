"""The whole diagnosis: configuration, units, executor, cache, the document and its verdicts."""
