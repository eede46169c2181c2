"""Action plans: the document structure, its importer and its storage."""
