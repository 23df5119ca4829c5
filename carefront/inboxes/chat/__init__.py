"""Live chat: the website widget's channel adapter (docs/chat.md)."""
