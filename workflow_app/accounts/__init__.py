"""Users, organisation units, role assignments and authentication."""
