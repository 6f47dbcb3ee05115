"""The edges: each channel turns platform updates into Incoming and renders Replies.

The only place that imports a platform SDK or httpx; may import the engine and below.
"""
