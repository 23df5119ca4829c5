"""The knowledge app's models, one module per part."""
