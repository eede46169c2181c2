"""The public face of a plan: certified levels with the narrative and evidence a division head
marked publishable, as pages and feeds anyone may read without signing in."""
