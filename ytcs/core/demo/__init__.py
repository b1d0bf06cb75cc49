"""Synthetic demo data (dữ liệu mẫu): a deterministic, realistic province or country for demos and benchmarks.

`plan` decides what exists (pure Python, seeded), `builder` writes a plan with bulk inserts, `names` holds the
Vietnamese words both draw from.
"""
