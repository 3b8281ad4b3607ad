"""Data files as offices have them, read and written: decoding and sheets (`sheets`), the records of
claims.csv and the other inputs (`data`), `--param` values (`params`), results and rejects written atomically
(`outputs`), and synthetic data for any policy (`synthetic`)."""
