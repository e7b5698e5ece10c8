"""Command-line entry point of a referral network's directory and request service."""
