"""Stand-alone tools that run with or without the application."""
