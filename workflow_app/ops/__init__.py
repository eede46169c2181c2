"""Running in production: health probes and structured request logging."""
