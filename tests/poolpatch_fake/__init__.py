"""A Cognito emulator that behaves like the real service where moto does not (see package docs)."""
