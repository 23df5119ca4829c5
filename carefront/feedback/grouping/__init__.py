"""Grouping feedback comments into themes: vectors (a local MiniLM when the `embeddings` extra
is installed, TF-IDF otherwise), spherical k-means, and names from each theme's telling words.

Pure computation on lists of texts and numpy arrays: no database here (services/themes.py
reads and writes the rows)."""
