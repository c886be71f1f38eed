"""The app version: the top entry of CHANGELOG.md (a test keeps them equal)."""

APP_VERSION = "0.3.0"
