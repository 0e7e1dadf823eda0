"""imgfake: find out whether a photo has been digitally altered."""
__version__ = "0.1.0"
