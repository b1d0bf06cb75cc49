"""YTCS (Y tế cơ sở): grassroots health registry, measurement and follow-up."""
