"""Registering interest in founding a co-op, cooperative group or union, and staff follow-up."""
