"""Result datasets reduced to quantiles, the DuckDB/Parquet run store, and its CLI."""
