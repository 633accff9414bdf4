"""API keys: minting, authenticating and revoking the keys integrations use."""
