"""Reliability and security suite (issue 5): load, faults, corrupt stores, hostile input, secrets."""
