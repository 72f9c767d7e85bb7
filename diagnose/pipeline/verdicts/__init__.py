"""Every answer of the diagnosis, decided once from the document's numbers."""
