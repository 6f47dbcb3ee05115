"""The PostgreSQL engine (KETNOI_DATABASE_URL=postgresql://…), for several processes sharing one
database: storage.engine.Database on psycopg's pool, the SQLite dialect translated in one
place (storage/postgres/dialect.py), migrations in storage/migrations/postgres/."""

from storage.postgres.database import PostgresDatabase

__all__ = ["PostgresDatabase"]
