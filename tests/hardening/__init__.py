"""Hardening (issue 8): access, authentication, headers, personal data, bad input."""
