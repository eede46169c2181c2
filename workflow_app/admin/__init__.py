"""Administration: users, roles and unit scopes, units, plan imports."""
