"""What every page shares: locale, formatting filters, error pages."""
