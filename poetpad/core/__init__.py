"""PoetPad's engine. Nothing under this package may import Qt."""
