"""Call handling: blocked numbers, spam, and the call flow a campaign's calls go through."""
