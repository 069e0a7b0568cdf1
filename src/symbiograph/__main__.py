"""``python -m symbiograph``: the command line."""

from symbiograph.cli import app

if __name__ == "__main__":
    app(prog_name="symbiograph")
