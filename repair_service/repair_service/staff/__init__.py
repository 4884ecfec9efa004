"""Staff accounts, teams, membership and staff sign-in sessions."""
