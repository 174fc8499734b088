"""Administrators' tools over recorded data: the audit log as pages show it (audit_log.py), purging a
poisoned note (purge.py)."""
