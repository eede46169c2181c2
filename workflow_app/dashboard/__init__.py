"""The plan dashboard: progress against targets, due and overdue work, budgets."""
