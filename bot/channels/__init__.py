"""The edges: each channel turns platform updates into Incoming and renders Replies."""
