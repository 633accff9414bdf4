"""Accounts, people and access: sign-up, team, invitations, passwords, workspaces, mail, roles."""
