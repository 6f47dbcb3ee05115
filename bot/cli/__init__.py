"""The command line beside `ketnoi run`: fairs, FAQ, exports, broadcasts.

Thin: parses arguments and calls services; may import the engine and everything below it.
"""
