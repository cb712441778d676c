"""SQLite storage through sqlite-utils. Every function takes the database first."""
