"""People: accounts and passwords (manage.py), sign-in with the lock (sign_in.py), sign-ins that survive a
reload (sessions.py)."""
