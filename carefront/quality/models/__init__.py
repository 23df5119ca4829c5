"""The quality app's models, one module per part."""
