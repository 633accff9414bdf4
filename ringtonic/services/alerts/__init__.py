"""E-mail alerts about calls: each user's choices per workspace, and their delivery."""
